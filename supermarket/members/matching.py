"""The keyed hash that finds a household registered at another site without sharing its data.

Two sites compare HMAC-SHA256 digests of the normalised last name, date of birth and
postcode, never the values. The key is the deployment's MEMBER_MATCH_KEY or, failing that, a
key derived from SECRET_KEY (so rotating SECRET_KEY without setting MEMBER_MATCH_KEY means
running `supermarket members rehash`).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

from flask import current_app

_DERIVATION_LABEL = b"supermarket member match key v1"


def match_key() -> bytes:
    configured = str(current_app.config.get("MEMBER_MATCH_KEY") or "")
    if configured:
        return configured.encode()
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, _DERIVATION_LABEL, hashlib.sha256).digest()


def household_match_hash(last_name_key: str, born: date, postcode: str, key: bytes) -> str:
    """Hex HMAC of the duplicate-check triple; postcode in its normalised form ("CM20 1AB")."""
    message = "\x1f".join((last_name_key, born.isoformat(), postcode.replace(" ", "")))
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()
