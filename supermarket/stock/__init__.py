"""Stock: the product catalogue, donations in, a ledger of every movement, expiry and waste,
transfers between sites, stocktakes, fridge and freezer checks, and the site's stock reports."""
