"""People's names in any script: cleaning for storage and folding into search keys."""

import sys
import unicodedata

MAX_NAME_LENGTH = 100

# Zero-width (non-)joiners are format characters that Persian, Arabic and Indic names need.
_ALLOWED_FORMAT = frozenset({"\u200c", "\u200d"})
# Cc: control, Cf: invisible formatting (bidi overrides, zero-width space), Cs: lone
# surrogates, which cannot even be encoded as UTF-8 for the database.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
_MARKUP = frozenset("<>")

# People type O'Brien with whichever apostrophe their keyboard makes, or none at all.
_APOSTROPHES = dict.fromkeys(map(ord, "'\u2018\u2019\u201b\u02bc\u02b9\u0060\u00b4\u2032"))
# Hyphen look-alikes compare equal to the ASCII hyphen-minus.
_HYPHENS = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d"), "-")
_PUNCTUATION = str.maketrans({**_APOSTROPHES, **_HYPHENS})
# Latin letters that have no Unicode decomposition, mapped to what English speakers type.
_LATIN_SPECIALS = str.maketrans(
    {
        "ł": "l",
        "ø": "o",
        "æ": "ae",
        "ß": "ss",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "œ": "oe",
        "ı": "i",
        "ħ": "h",
        "ŧ": "t",
    }
)
_MAX_CODE_POINT = sys.maxunicode
_SURROGATES = range(0xD800, 0xE000)


def clean_name(text: str) -> str:
    """Return a name NFC-normalised with whitespace collapsed, or raise ValueError.

    Refused: an empty name, one over 100 characters, control or invisible formatting
    characters (except the zero-width joiners some scripts need), and < or >, which are
    never part of a name and usually mean someone is testing for markup injection.
    """
    name = " ".join(unicodedata.normalize("NFC", text).split())
    if not name:
        raise ValueError("Enter a name.")
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"Names must be {MAX_NAME_LENGTH} characters or fewer.")
    if any(
        unicodedata.category(ch) in _REFUSED_CATEGORIES and ch not in _ALLOWED_FORMAT for ch in name
    ):
        raise ValueError("Names cannot contain control characters or invisible formatting.")
    if any(ch in _MARKUP for ch in name):
        raise ValueError("Names cannot contain < or >.")
    return name


def _is_latin(ch: str) -> bool:
    """Return True if ch is a Latin letter (ASCII or not)."""
    if ch.isascii():
        return ch.isalpha()
    return unicodedata.name(ch, "").startswith("LATIN ")


def _is_noncharacter(ch: str) -> bool:
    """Return True for the 66 permanent noncharacters (U+FDD0..U+FDEF, U+xxFFFE, U+xxFFFF)."""
    code = ord(ch)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def search_key(text: str) -> str:
    """Return the key for prefix search: case- and accent-folded Latin, other scripts casefolded.

    NFKD, then casefold; combining marks on Latin letters are dropped (Zoë -> zoe) and
    letters without a decomposition are mapped (Łukasz -> lukasz, Søren -> soren); apostrophes
    are dropped (O'Brien -> obrien), hyphen look-alikes become "-", invisible characters are
    dropped and whitespace collapsed. Other scripts keep their marks (they change the word)
    and are recomposed with NFC. Keys never contain surrogates or noncharacters, so
    prefix_upper_bound() always has an answer for a key.
    """
    text = unicodedata.normalize("NFKD", text.translate(_PUNCTUATION))
    text = unicodedata.normalize("NFKD", text.casefold()).translate(_PUNCTUATION)
    kept: list[str] = []
    base_is_latin = False
    for ch in text:
        if unicodedata.combining(ch):
            if not base_is_latin:
                kept.append(ch)
            continue
        if ch.isspace():
            kept.append(" ")
        elif unicodedata.category(ch) in _REFUSED_CATEGORIES or _is_noncharacter(ch):
            continue
        else:
            kept.append(ch.translate(_LATIN_SPECIALS))
        base_is_latin = _is_latin(ch)
    return " ".join(unicodedata.normalize("NFC", "".join(kept)).split())


def prefix_upper_bound(prefix: str) -> str:
    """Return the least string above every string starting with prefix, for a range query.

    `key >= prefix AND key < bound` then selects exactly the keys starting with prefix, in
    code-point order, so an ordinary index serves it (SQLite's default BINARY collation; on
    PostgreSQL the key column needs COLLATE "C"). The last character is incremented;
    trailing U+10FFFF characters are dropped first because they cannot be incremented, and
    surrogates are skipped because no stored key contains them. Raises ValueError for an
    empty prefix or one made only of U+10FFFF, which have no upper bound.
    """
    stem = prefix.rstrip(chr(_MAX_CODE_POINT))
    if not stem:
        raise ValueError("This prefix has no upper bound; search without one.")
    following = ord(stem[-1]) + 1
    if following in _SURROGATES:
        following = _SURROGATES.stop
    return stem[:-1] + chr(following)
