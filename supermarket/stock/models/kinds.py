"""The kinds stock is sorted by: categories, donor kinds, movement kinds, waste reasons,
date kinds, transfer and stocktake statuses, and fridge or freezer."""

from __future__ import annotations

import enum

from supermarket.models import LabelledEnum


class Category(LabelledEnum):
    AMBIENT = "ambient"
    CHILLED = "chilled"
    FROZEN = "frozen"
    FRESH_PRODUCE = "fresh_produce"
    BAKERY = "bakery"
    HOUSEHOLD = "household"
    TOILETRIES = "toiletries"
    BABY = "baby"


class DonorKind(LabelledEnum):
    FARESHARE = "fareshare", "FareShare"
    RETAILER = "retailer", "Retailer surplus"
    PUBLIC = "public", "Public donation"
    COMMUNITY = "community", "Community group"
    PURCHASE = "purchase", "Purchased"


# A batch made by a stocktake (stock found that no delivery explains) has no known source.
UNKNOWN_SOURCE = "unknown"


class MovementKind(LabelledEnum):
    RECEIVED = "received"
    ISSUED = "issued"
    RETURNED = "returned"
    WASTED = "wasted"
    TRANSFERRED_OUT = "transferred_out"
    TRANSFERRED_IN = "transferred_in"
    ADJUSTED = "adjusted"


class WasteReason(LabelledEnum):
    PAST_USE_BY = "past_use_by", "Past its use-by date"
    DAMAGED = "damaged", "Damaged"
    TEMPERATURE = "temperature", "Temperature (fridge or freezer fault)"
    RECALLED = "recalled", "Recalled"
    OTHER = "other", "Other"


class DateKind(enum.StrEnum):
    USE_BY = "use_by"
    BEST_BEFORE = "best_before"
    NONE = "none"


class TransferStatus(LabelledEnum):
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    SHORT_RECEIVED = "short_received"
    CANCELLED = "cancelled"


class StocktakeStatus(enum.StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    CANCELLED = "cancelled"


class UnitKind(enum.StrEnum):
    FRIDGE = "fridge"
    FREEZER = "freezer"
