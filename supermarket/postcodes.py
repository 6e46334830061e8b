"""UK postcodes by format: validation, normalisation, districts and catchments.

The format is the one published for the Postcode Address File: an outward code of the shape
A9, A99, A9A, AA9, AA99 or AA9A and an inward code 9AA. Letters are limited by position:
never Q, V or X first; never I, J or Z second; only ABCDEFGHJKPSTUW third in A9A; only
ABEHMNPRVWXY fourth in AA9A; never C, I, K, M, O or V in the inward code. The one
non-geographic exception accepted is GIR 0AA. BFPO and overseas-territory codes are not.
A well-formed postcode may still not exist; only a lookup service could tell.
"""

import re
from collections.abc import Iterable
from itertools import takewhile

_OUTWARD = re.compile(
    r"[A-PR-UWYZ][0-9][0-9]?"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?"
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]"
)
_INWARD = re.compile(r"[0-9][ABD-HJLNP-UW-Z]{2}")
_GIRO = "GIR0AA"
_INWARD_LENGTH = 3
# Longer input cannot be a postcode however it is spaced; this bounds the work done.
_MAX_INPUT = 32


def _compact(text: str) -> str | None:
    """Return text upper-cased without any whitespace, or None if it is not plain ASCII."""
    # Checked before upper-casing: str.upper() turns some non-ASCII letters (ı, ß) into ASCII.
    if len(text) > _MAX_INPUT or not text.isascii():
        return None
    return "".join(text.split()).upper()


def normalise_postcode(text: str) -> str | None:
    """Return a valid UK postcode as "OUTWARD INWARD" in capitals, or None if it is not one."""
    compact = _compact(text)
    if compact is None:
        return None
    if compact == _GIRO:
        return "GIR 0AA"
    outward, inward = compact[:-_INWARD_LENGTH], compact[-_INWARD_LENGTH:]
    if _OUTWARD.fullmatch(outward) and _INWARD.fullmatch(inward):
        return f"{outward} {inward}"
    return None


def _require(postcode: str) -> str:
    """Return the normalised postcode or raise ValueError."""
    normal = normalise_postcode(postcode)
    if normal is None:
        raise ValueError("Enter a UK postcode, for example CM20 1AB.")
    return normal


def postcode_district(postcode: str) -> str:
    """Return the outward code (postal district) of a postcode: "CM20 1AB" -> "CM20"."""
    return _require(postcode).split(" ")[0]


def postcode_sector(postcode: str) -> str:
    """Return the postal sector of a postcode: "CM20 1AB" -> "CM20 1"."""
    return _require(postcode)[:-2]


def postcode_area(postcode: str) -> str:
    """Return the postcode area, the leading letters of the district: "CM20 1AB" -> "CM"."""
    return "".join(takewhile(str.isalpha, postcode_district(postcode)))


def normalise_catchment_entry(text: str) -> str | None:
    """Return a catchment entry as a district ("CM20") or a sector ("CM20 1"), else None.

    A sector must be written with a space before its digit: without one, "SS81" could be the
    district SS81 or the sector SS8 1, and a catchment must not be read the wrong way.
    """
    if len(text) > _MAX_INPUT or not text.isascii():
        return None
    parts = text.upper().split()
    if len(parts) == 1 and _OUTWARD.fullmatch(parts[0]):
        return parts[0]
    if len(parts) == 2 and _OUTWARD.fullmatch(parts[0]) and re.fullmatch(r"[0-9]", parts[1]):
        return f"{parts[0]} {parts[1]}"
    return None


def in_catchment(postcode: str, entries: Iterable[str]) -> bool:
    """Return True if the postcode's district or sector is one of the catchment entries.

    Entries match whole districts or sectors, never prefixes: "CM2" does not cover "CM20 1AB".
    An invalid postcode is in no catchment; invalid entries are ignored (they are refused
    when the catchment is saved).
    """
    normal = normalise_postcode(postcode)
    if normal is None:
        return False
    district, sector = normal.split(" ")[0], normal[:-2]
    for entry in entries:
        normal_entry = normalise_catchment_entry(entry)
        if normal_entry is not None and normal_entry in (district, sector):
            return True
    return False
