"""The ledger: every change to stock is a movement, and a batch's level is the sum of them.

A batch's cached quantity only changes through `move()`, which writes the movement and a
conditional UPDATE (`quantity = quantity + :delta WHERE quantity + :delta >= 0`) in the same
transaction: under concurrent issues and waste the database refuses the update that would go
below zero, so no read-then-write race can make stock negative.

`batches` holds the batches and movements, `issuing` what goes out to members and back, and
`waste` what is written off; every name is re-exported here.
"""

from __future__ import annotations

from supermarket.stock.services.ledger.batches import (
    batch_for,
    dated_batch,
    expired,
    fefo,
    ledger_discrepancies,
    move,
    take,
    usable,
)
from supermarket.stock.services.ledger.issuing import GIVEN_OUT_NOTE, give_out, issue, return_issued
from supermarket.stock.services.ledger.waste import waste, waste_expired

__all__ = [
    "GIVEN_OUT_NOTE",
    "batch_for",
    "dated_batch",
    "expired",
    "fefo",
    "give_out",
    "issue",
    "ledger_discrepancies",
    "move",
    "return_issued",
    "take",
    "usable",
    "waste",
    "waste_expired",
]
