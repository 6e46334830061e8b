"""Idempotency keys and request fingerprints, shared by every operation a client may retry
(a check-in, a registration sent from a tablet's queue).

A client sends an `Idempotency-Key` header made when the action was recorded, and sends the
very same request again on retry; the server keeps the key and a fingerprint of what was
asked, answers a retry with the first result, and refuses (409) the key reused for anything
else.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping

from supermarket.errors import InvalidInput

_KEY = re.compile(r"^[A-Za-z0-9._:\-]{8,100}$")


def clean_key(key: str | None) -> str | None:
    """An Idempotency-Key header: 8 to 100 letters, digits or . _ : - (a UUID fits)."""
    if key is None or key == "":
        return None
    if not _KEY.match(key):
        raise InvalidInput(
            "The Idempotency-Key must be 8 to 100 letters, digits, dots, colons, hyphens or "
            "underscores (a UUID).",
            code="invalid_idempotency_key",
            fields={"Idempotency-Key": ["Send a UUID."]},
        )
    return key


def fingerprint(canonical: Mapping[str, object]) -> str:
    """SHA-256 hex digest of a request in its canonical form (plain JSON values): key order
    and spacing make no difference."""
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()
