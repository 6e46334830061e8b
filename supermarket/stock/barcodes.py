"""Product barcodes: EAN-13, UPC-A and EAN-8, with the GS1 check digit verified."""

from __future__ import annotations


def check_digit(body: str) -> int:
    """The GS1 check digit for the digits before it (weights 3,1,3,... from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def normalise_barcode(raw: str) -> str | None:
    """A valid barcode as stored (UPC-A gains the leading 0 of its EAN-13 form), else None.

    Scanners send a UPC-A code as 12 digits or as 13 with a leading zero depending on their
    set-up; storing one form means either finds the product.
    """
    code = "".join(raw.split())
    if not code.isdigit() or not code.isascii() or len(code) not in (8, 12, 13):
        return None
    if len(code) == 12:
        code = "0" + code
    if check_digit(code[:-1]) != int(code[-1]):
        return None
    return code
