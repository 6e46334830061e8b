"""Administration pages: sites, staff accounts and the audit log."""
