"""Products, donations, stock batches and the ledger of every stock movement: one module per
seam (kinds, catalogue, receiving, ledger, transfers, stocktake, temperatures), every name
re-exported here.

How the tables fit together:

- `products` is the programme-wide catalogue. Crates weighed in by category are recorded
  against one *weight-only* product per category (sku ``CRATE-<CATEGORY>``, unit weight 1 g):
  their quantity is in grams, so the ledger and the levels stay uniform while no one pretends
  to know how many items a crate held. Everything that shows a quantity says its unit.
- `stock_batches` is stock of one product at one site with one date (use-by, best-before or
  none) from one kind of source. Its `quantity` is a cache of the sum of its movements, only
  ever changed by a conditional UPDATE in the same transaction as the movement that explains
  it, so it can never go negative (a CHECK constraint is the second guard).
- `stock_movements` is the ledger, append-only. Quantities and weights are signed (+ in,
  - out). Each row carries what reports group by without joins: `site_id`, `local_date` (the
  site's own calendar day; for receipts the day the delivery arrived), `kind`, `source` (the
  donor kind of the batch), `category` and `weight_g`. Issued stock put back when a visit is
  voided is kind ``returned``: net issued = -(issued + returned).
- `visit_id` is a plain indexed integer without a foreign key: visits belong to a higher
  layer that is built on top of stock, so stock cannot refer to its table.
"""

from supermarket.stock.models.catalogue import Product, SiteMinimum
from supermarket.stock.models.kinds import (
    UNKNOWN_SOURCE,
    Category,
    DateKind,
    DonorKind,
    MovementKind,
    StocktakeStatus,
    TransferStatus,
    UnitKind,
    WasteReason,
)
from supermarket.stock.models.ledger import StockBatch, StockMovement
from supermarket.stock.models.receiving import Donation, DonationLine, Donor
from supermarket.stock.models.stocktake import Stocktake, StocktakeLine
from supermarket.stock.models.temperatures import TemperatureCheck
from supermarket.stock.models.transfers import StockTransfer, StockTransferLine

__all__ = [
    "UNKNOWN_SOURCE",
    "Category",
    "DateKind",
    "Donation",
    "DonationLine",
    "Donor",
    "DonorKind",
    "MovementKind",
    "Product",
    "SiteMinimum",
    "StockBatch",
    "StockMovement",
    "StockTransfer",
    "StockTransferLine",
    "Stocktake",
    "StocktakeLine",
    "StocktakeStatus",
    "TemperatureCheck",
    "TransferStatus",
    "UnitKind",
    "WasteReason",
]
