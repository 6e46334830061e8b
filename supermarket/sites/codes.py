"""Site codes: short and lower-case in every address; read the same however they are typed."""

from __future__ import annotations

import re

CODE_RE = re.compile(r"^[a-z][a-z0-9-]{1,19}$")


def normalise_site_code(raw: object) -> str:
    """A site code as it is stored: "HAR " reads as "har".

    Every place a code comes in (command options, URL segments, query strings, form fields and
    JSON bodies) reads it through this function, so a code is never found in one spelling and
    missed in another. Text that is not plain ASCII is only trimmed: it matches no code, and
    str.lower() would turn some non-ASCII letters (the Kelvin sign) into ASCII ones.
    """
    if not isinstance(raw, str):
        return ""
    text = raw.strip()
    return text.lower() if text.isascii() else text
