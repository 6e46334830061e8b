"""Staff passwords: argon2id hashing and the rules a new password must meet (ASVS 5.0, NIST).

Rules: 8 to 128 characters (counted after NFKC normalisation; any Unicode allowed), no
composition rules, and refused when it is the user's email address (or contains it, or is
its local part), when it is on the shipped list of common passwords, when it is one
repeated or sequential pattern, or when it is mostly known words (see `password_problems`).
"""

import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib import resources

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
MAX_LENGTH = 128

# OWASP's first argon2id configuration (m=19 MiB, t=2, p=1). Measured verify times on the
# 2-core development machine (AMD EPYC, argon2-cffi 25.1): median 35 ms, p95 40 ms when idle;
# median 37 ms, p95 82 ms with the other cores busy. t=3 measured 49/55 ms idle but p95
# 100-116 ms when busy, and RFC 9106's 64 MiB 200 ms, which would break the 150 ms login p95
# with the load generator on the same machine. One lane (p=1): concurrent logins use the
# other core.
TIME_COST = 2
MEMORY_COST_KIB = 19456
PARALLELISM = 1

_hasher = PasswordHasher(
    time_cost=TIME_COST,
    memory_cost=MEMORY_COST_KIB,
    parallelism=PARALLELISM,
    hash_len=32,
    salt_len=16,
    type=Type.ID,
)

# Context words every password is checked against, whoever the user is.
ALWAYS_CONTEXT_WORDS = ("supermarket", "foodbank", "pantry", "community", "levellingup", "essex")
# Shorter words are too common inside unrelated passwords to refuse on.
MIN_WORD_LENGTH = 4
# A password that is known words plus fewer distinct other letters than this is refused.
MIN_OTHER_LETTERS = 4

# Look-alike substitutions (p@ssw0rd) add no strength; "1" is tried as both "i" and "l".
_LEET_I = str.maketrans("0134578@$!", "oieastbasi")
_LEET_L = str.maketrans("0134578@$!", "oleastbasi")
# Runs along the alphabet, the digits (wrapping round) and keyboard rows, both directions.
_RUNS = (
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890123456789",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
)

_PACKAGE = "supermarket.auth"
_COMMON_FILE = "common_passwords.txt"

TOO_SHORT = f"Password must be {MIN_LENGTH} characters or more."
TOO_LONG = f"Password must be {MAX_LENGTH} characters or fewer."
TOO_COMMON = "This password is too common. Choose one that would be hard to guess."
TOO_PATTERNED = (
    "Password must not be a repeated or sequential pattern such as aaaaaaaa or 12345678."
)
IS_EMAIL = "Password must not be your email address, or the part of it before the @."
TOO_CONTEXTUAL = (
    "Password must not be based on your name, your email address, your site or words such "
    "as foodbank. Choose one that would be hard to guess."
)


def _normal(password: str) -> str:
    """Return the NFKC form, so the same password typed on any keyboard hashes the same."""
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    """Return an argon2id hash of the NFKC-normalised password (a PHC string)."""
    return _hasher.hash(_normal(password))


def verify_password(stored_hash: str, password: str) -> bool:
    """Return True if password matches stored_hash; False on mismatch or an unusable hash."""
    try:
        return _hasher.verify(stored_hash, _normal(password))
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Return True if stored_hash was made with other parameters (or cannot be read)."""
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except (VerificationError, InvalidHashError):
        return True


@cache
def common_passwords() -> frozenset[str]:
    """Return the shipped common passwords, NFKC-normalised and casefolded."""
    text = resources.files(_PACKAGE).joinpath(_COMMON_FILE).read_text(encoding="utf-8")
    return frozenset(
        _normal(line.strip()).casefold()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


def _letters(text: str) -> str:
    """Return only the letters of text, in any script."""
    return "".join(ch for ch in text if ch.isalpha())


@cache
def _common_words() -> frozenset[str]:
    """Return the letters of each common password, where there are enough to be a word."""
    return frozenset(
        word for word in map(_letters, common_passwords()) if len(word) >= MIN_WORD_LENGTH
    )


def _context_tokens(context_words: Iterable[str]) -> set[str]:
    """Return each context word split into runs of letters, plus the runs joined up."""
    tokens = set(ALWAYS_CONTEXT_WORDS)
    for word in context_words:
        folded = _normal(word).casefold()
        runs = "".join(ch if ch.isalpha() else " " for ch in folded).split()
        tokens.update(runs)
        tokens.add("".join(runs))
    return {token for token in tokens if len(token) >= MIN_WORD_LENGTH}


def _without_words(letters: str, words: Iterable[str]) -> tuple[str, set[str]]:
    """Return letters with every occurrence of the words removed (longest first), and the hits."""
    found: set[str] = set()
    for word in sorted(words, key=len, reverse=True):
        if word in letters:
            found.add(word)
            letters = letters.replace(word, "")
    return letters, found


def _is_pattern(folded: str) -> bool:
    """Return True if the password has under 4 distinct characters or is one straight run."""
    if len(set(folded)) < MIN_OTHER_LETTERS:
        return True
    return any(folded in run or folded in run[::-1] for run in _RUNS)


def _is_email(folded: str, email: str) -> bool:
    """Return True if the password is the email address, contains it, or is its local part."""
    address = _normal(email.strip()).casefold()
    if "@" not in address:
        return False
    local = address.rsplit("@", 1)[0]
    return address in folded or folded.strip() == local


def password_problems(
    password: str, *, context_words: Iterable[str] = (), email: str = ""
) -> list[str]:
    """Return what is wrong with a new password, as sentences for the user; empty if none.

    The user's own email address (`email`) is refused case-insensitively, as is any password
    containing it or equal to its local part.

    The "mostly known words" rule: the password is NFKC-normalised and casefolded, and its
    letters are taken three ways (as typed, and with look-alike digits and symbols read as
    letters, "1" as i and as l). If, after removing every context word and every common
    password's letters (words of 4 letters or more), what is left has fewer than 4 distinct
    letters, the password is refused: "Harlow123!" with context "Harlow", "foodbank2024",
    "P@ssw0rd99" and "dragonmonkey" all fail. Context words are the caller's (email local
    part, name, site names; split into runs of letters) plus ALWAYS_CONTEXT_WORDS.
    """
    normal = _normal(password)
    if len(normal) < MIN_LENGTH:
        return [TOO_SHORT]
    if len(normal) > MAX_LENGTH:
        return [TOO_LONG]
    folded = normal.casefold()
    if email and _is_email(folded, email):
        return [IS_EMAIL]
    problems: list[str] = []
    if folded in common_passwords():
        problems.append(TOO_COMMON)
    elif _is_pattern(folded):
        problems.append(TOO_PATTERNED)
    context = _context_tokens(context_words)
    known = context | _common_words()
    readings = (folded, folded.translate(_LEET_I), folded.translate(_LEET_L))
    mostly_context = mostly_common = False
    for reading in readings:
        rest, found = _without_words(_letters(reading), known)
        if found and len(set(rest)) < MIN_OTHER_LETTERS:
            mostly_context = mostly_context or bool(found & context)
            mostly_common = True
    if mostly_context:
        problems.append(TOO_CONTEXTUAL)
    elif mostly_common and TOO_COMMON not in problems:
        problems.append(TOO_COMMON)
    return problems
