"""Anonymised statistics, outcomes and reports."""
