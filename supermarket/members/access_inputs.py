"""What the inclusive-access services take, as the access schemas load it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NewProxy:
    """Someone the member names to collect for them."""

    name: str
    relationship: str = ""
    phone: str | None = None


@dataclass(frozen=True)
class DoorNote:
    """The note for the door; `sensitive` (health) needs `consent`: the member agreed."""

    note: str
    sensitive: bool = False
    consent: bool = False
