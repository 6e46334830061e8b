"""Membership numbers: 7 random Crockford base-32 characters plus one check character.

The check character makes the weighted sum of all eight symbols zero in GF(32), the field
with 32 elements (polynomial x^5 + x^2 + 1). Position i (0-based, the check character is
position 7) has weight alpha^(7 - i), where alpha is a generator of the field, so the eight
weights are non-zero and all different. Because the check is linear, an error changes the
sum by an amount that depends only on the error:

- a single substitution a -> b at position i changes it by w_i * (a + b), which is non-zero
  because a field has no zero divisors and a != b;
- swapping different symbols a, b at positions i and j changes it by (w_i + w_j) * (a + b),
  which is non-zero because w_i != w_j.

So every single substitution and every transposition (adjacent or not) of a valid number is
invalid, the check character stays in the same 32-symbol alphabet, and the number carries
35 random bits (34 billion values). Modular "hybrid" schemes such as ISO/IEC 7064 MOD 33,32
were rejected: they miss some adjacent transpositions.
"""

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 8
_RANDOM_LENGTH = LENGTH - 1
_VALUE = {symbol: value for value, symbol in enumerate(ALPHABET)}

# Crockford's decoding rules: people and OCR confuse these with digits.
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
# Hyphens and any whitespace are presentation only; scanners and people add or drop them.
_SEPARATORS = re.compile(r"[\s\-]+")
# Longer input is not a membership number however it is spaced; this bounds the work done.
_MAX_INPUT = 32

_FIELD_SIZE = 32
_REDUCTION = 0b100101  # x^5 + x^2 + 1, a primitive polynomial over GF(2)


def _gf_mul(a: int, b: int) -> int:
    """Multiply two elements of GF(32) (carry-less product reduced by the field polynomial)."""
    product = 0
    while b:
        if b & 1:
            product ^= a
        b >>= 1
        a <<= 1
        if a & _FIELD_SIZE:
            a ^= _REDUCTION
    return product


def _weights() -> tuple[int, ...]:
    """Return alpha^(7 - i) for each position i, with alpha = x (the value 2)."""
    powers = [1]
    for _ in range(LENGTH - 1):
        powers.append(_gf_mul(powers[-1], 2))
    return tuple(reversed(powers))


WEIGHTS = _weights()
# The product table keeps validation to a lookup per character.
_PRODUCTS = tuple(tuple(_gf_mul(w, v) for v in range(_FIELD_SIZE)) for w in WEIGHTS)


def _weighted_sum(symbols: str) -> int:
    """Return the GF(32) sum of weight * value over the leading symbols given."""
    total = 0
    for position, symbol in enumerate(symbols):
        total ^= _PRODUCTS[position][_VALUE[symbol]]
    return total


def check_character(body: str) -> str:
    """Return the check character for 7 canonical symbols (the last weight is 1)."""
    if len(body) != _RANDOM_LENGTH or any(symbol not in _VALUE for symbol in body):
        raise ValueError("A membership number body is 7 characters from the Crockford alphabet.")
    return ALPHABET[_weighted_sum(body)]


def new_membership_number() -> str:
    """Return a new random membership number, canonical: 8 upper-case symbols, no hyphen."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(_RANDOM_LENGTH))
    return body + check_character(body)


def new_membership_numbers(count: int) -> list[str]:
    """Return `count` new random membership numbers at once (for bulk imports).

    Each byte of secrets.token_bytes gives one symbol from its low 5 bits: 256 is a multiple
    of 32, so every symbol stays equally likely, as with new_membership_number().
    """
    raw = secrets.token_bytes(count * _RANDOM_LENGTH)
    numbers = []
    for start in range(0, len(raw), _RANDOM_LENGTH):
        body = "".join(ALPHABET[byte & 31] for byte in raw[start : start + _RANDOM_LENGTH])
        numbers.append(body + check_character(body))
    return numbers


def normalise_membership_number(text: str) -> str | None:
    """Return the canonical form of text if it has the shape of a number (check not tested)."""
    if len(text) > _MAX_INPUT or not text.isascii():
        return None
    compact = _SEPARATORS.sub("", text).upper().translate(_CONFUSABLE)
    if len(compact) != LENGTH or any(symbol not in _VALUE for symbol in compact):
        return None
    return compact


def is_valid_membership_number(text: str) -> bool:
    """Return True if text normalises to a membership number whose check character is right."""
    number = normalise_membership_number(text)
    return number is not None and _weighted_sum(number) == 0


def looks_like_membership_number(text: str) -> bool:
    """Return True if text has the shape of a membership number, right check character or not.

    Search uses this to route a query: a scanner or a mistyped number should reach the number
    lookup (which reports a wrong check character) rather than the name search. Some 8-letter
    words such as "Chambers" have the shape too, so a search that finds no valid number should
    still try names.
    """
    return normalise_membership_number(text) is not None


def format_membership_number(number: str) -> str:
    """Return a membership number for display: upper case, a hyphen after the fourth symbol."""
    canonical = normalise_membership_number(number)
    if canonical is None:
        raise ValueError("Not a membership number.")
    return f"{canonical[:4]}-{canonical[4:]}"


def display_number(number: str) -> str:
    """A stored membership number as printed on the card (ABCD-EFGH); anything that is not a
    membership number is shown as it is."""
    try:
        return format_membership_number(number)
    except ValueError:
        return number


def new_opaque_token(nbytes: int = 16) -> str:
    """Return a URL-safe random token of at least 128 bits, e.g. for a card's QR code."""
    if nbytes < 16:
        raise ValueError("Tokens need at least 16 random bytes.")
    return secrets.token_urlsafe(nbytes)
