"""Where the app may send a browser back to: same-origin paths only, never an open redirect."""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

# Longer than any page of ours with its query; anything longer is not one of our links.
MAX_LENGTH = 2048

# Control, format, surrogate, private-use, unassigned and separator characters (spaces,
# tabs, line feeds, NUL, U+2028...): browsers strip or reinterpret several of them before
# parsing ("/\t/evil.example" becomes "//evil.example"), so none is accepted anywhere.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"})


def _clean(text: str) -> bool:
    return "\\" not in text and not any(
        unicodedata.category(ch) in _REFUSED_CATEGORIES for ch in text
    )


def _is_local_path(text: str) -> bool:
    """A path-absolute reference: one leading slash, no scheme, no authority."""
    if not text.startswith("/") or text.startswith("//"):
        return False
    parts = urlsplit(text)
    return not parts.scheme and not parts.netloc and parts.path.startswith("/")


def safe_next(target: str | None) -> str | None:
    """The target if it is a path on this site, else None (the caller then goes home).

    The target is the query or form value as the request decoded it. It must be a
    path-absolute reference (one leading "/", no scheme, no host) made only of visible
    characters with no backslash, and its path must stay one however often it is
    percent-decoded again ("/%2f%2fevil.example", "/%255cevil.example" are refused), so that
    no browser, proxy or later decoding can read it as another origin.
    """
    if not target or len(target) > MAX_LENGTH:
        return None
    path = target
    while True:
        if not _clean(path) or not _is_local_path(path):
            return None
        decoded = unquote(urlsplit(path).path)
        if decoded == path:
            return target
        path = decoded
