"""Password rules (QUALITY.md item 4) and argon2id hashing."""

import time

import pytest
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError

from supermarket.auth import passwords
from supermarket.auth.passwords import (
    IS_EMAIL,
    MEMORY_COST_KIB,
    PARALLELISM,
    TIME_COST,
    TOO_COMMON,
    TOO_CONTEXTUAL,
    TOO_LONG,
    TOO_PATTERNED,
    TOO_SHORT,
    common_passwords,
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)

pytestmark = pytest.mark.real_password_hashing

STAFF_CONTEXT = ("jane.smith", "Jane", "Smith", "Harlow", "HARLOW", "Canvey Island Pantry")

# One hash for the whole module: each costs tens of milliseconds by design.
_PASSWORD = "bright otter maple 42"
_HASH = hash_password(_PASSWORD)


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("", TOO_SHORT),
        ("a", TOO_SHORT),
        ("Xk9#mP2", TOO_SHORT),
        ("王芳王芳王芳王", TOO_SHORT),
        ("x" * 129, TOO_LONG),
        ("password", TOO_COMMON),
        ("PASSWORD", TOO_COMMON),
        ("Password1", TOO_COMMON),
        ("12345678", TOO_COMMON),
        ("123456789", TOO_COMMON),
        ("qwertyuiop", TOO_COMMON),
        ("iloveyou", TOO_COMMON),
        ("Sunshine1", TOO_COMMON),
        ("football", TOO_COMMON),
        ("Ｐａｓｓｗｏｒｄ１", TOO_COMMON),  # fullwidth: NFKC makes it Password1
        ("P@ssw0rd99", TOO_COMMON),
        ("p4ssw0rd!!", TOO_COMMON),
        ("Sunshine2024!", TOO_COMMON),
        ("dragonmonkey", TOO_COMMON),
        ("Liverpool1892", TOO_COMMON),
        ("aaaaaaaa", TOO_COMMON),
        ("a1b2c3d4e5f6g7h8", TOO_COMMON),  # abcdefgh with digits between
        ("zzzzzzzzzzzz", TOO_PATTERNED),
        ("abababababab", TOO_PATTERNED),
        ("12121212121", TOO_PATTERNED),
        ("defghijk", TOO_PATTERNED),
        ("kjihgfed", TOO_PATTERNED),
        ("5678901234", TOO_PATTERNED),
        ("        ", TOO_PATTERNED),
        ("foodbank2024", TOO_CONTEXTUAL),
        ("FoodBank!!", TOO_CONTEXTUAL),
        ("f00db4nk99", TOO_CONTEXTUAL),
        ("supermarket", TOO_CONTEXTUAL),
        ("Community1!", TOO_CONTEXTUAL),
        ("levelling-up-2024", TOO_CONTEXTUAL),
        ("Essex2024!", TOO_CONTEXTUAL),
        ("pantrypantry", TOO_CONTEXTUAL),
        ("Harlow123!", TOO_CONTEXTUAL),
        ("harlow-harlow", TOO_CONTEXTUAL),
        ("H4rl0w2024", TOO_CONTEXTUAL),
        ("JaneSmith1", TOO_CONTEXTUAL),
        ("jane.smith99", TOO_CONTEXTUAL),
        ("smith1985!", TOO_CONTEXTUAL),
        ("CanveyIsland1", TOO_CONTEXTUAL),
        ("harlowfoodbank", TOO_CONTEXTUAL),
        ("HarlowPassword1", TOO_CONTEXTUAL),
        ("harlowxyz", TOO_CONTEXTUAL),  # three other letters are not enough
    ],
)
def test_bad_passwords_are_refused(password: str, problem: str) -> None:
    assert problem in password_problems(password, context_words=STAFF_CONTEXT)


@pytest.mark.parametrize(
    "password",
    [
        "bright otter maple 42",
        "correct horse battery staple",
        "Tr0ub4dor&3",
        "Kx9#mP2$vL",
        "my cat likes sardines on toast",
        "HarlowMarketDay!",  # a context word plus enough else
        "glovebox12",
        "zażółć gęślą jaźń",
        "Ŵyneb Llŷr 77",
        "王芳喜欢在公园里散步",
        "محمد يحب الشاي كثيرا",
        "Tea at 4, not 5!",
    ],
)
def test_good_passwords_are_accepted(password: str) -> None:
    assert password_problems(password, context_words=STAFF_CONTEXT) == []


def test_context_words_only_count_when_given() -> None:
    assert password_problems("Harlow123!") == []
    assert TOO_CONTEXTUAL in password_problems("Harlow123!", context_words=["Harlow"])


def test_short_context_words_are_ignored() -> None:
    assert password_problems("Ann-2024-xy!", context_words=["Ann"]) == []


_LONG = "Rk8#vT2pLw9zQx4mNb7&Hy3jFd6!Gc5s"


@pytest.mark.parametrize("length", [8, 64, 100, 128])
def test_lengths_from_8_to_128_are_allowed(length: int) -> None:
    password = (_LONG * 4)[:length]
    assert len(password) == length
    assert password_problems(password) == []


def test_129_characters_are_refused() -> None:
    assert password_problems((_LONG * 5)[:129]) == [TOO_LONG]


def test_length_is_counted_after_nfkc() -> None:
    # The ligature ﬃ is one character as typed and three (ffi) after NFKC.
    assert password_problems("ﬃ7ﬁ#k") == []
    assert password_problems("ﬃ" * 43) == [TOO_LONG]


def test_common_list_is_shipped_lower_case_and_long_enough() -> None:
    common = common_passwords()
    assert len(common) >= 500
    assert {"password", "12345678", "qwertyuiop", "iloveyou", "sunshine1", "football"} <= common
    assert all(word == word.casefold() and len(word) >= 8 for word in common)
    assert not any(word.startswith("#") for word in common)
    assert common_passwords() is common


def test_hash_is_argon2id_with_the_chosen_parameters() -> None:
    assert _HASH.startswith("$argon2id$v=19$")
    assert f"$m={MEMORY_COST_KIB},t={TIME_COST},p={PARALLELISM}$" in _HASH
    # At or above OWASP's first argon2id configuration (m=19 MiB, t=2, p=1).
    assert MEMORY_COST_KIB >= 19456
    assert TIME_COST >= 2
    assert not needs_rehash(_HASH)


def test_hashes_are_salted() -> None:
    assert hash_password(_PASSWORD) != _HASH


def test_verify_accepts_the_password_and_refuses_others() -> None:
    assert verify_password(_HASH, _PASSWORD)
    assert not verify_password(_HASH, "bright otter maple 43")
    assert not verify_password(_HASH, _PASSWORD.upper())
    assert not verify_password(_HASH, "")


def test_unicode_passwords_are_nfkc_normalised_before_hashing() -> None:
    composed = "Siân y Llŷr 2024"
    stored = hash_password(composed)
    assert verify_password(stored, "Sia\u0302n y Lly\u0302r 2024")
    assert verify_password(stored, "Ｓｉâｎ y Llŷr ２０２４")


@pytest.mark.parametrize(
    "bad_hash",
    [
        "",
        "not a hash",
        "$argon2id$v=19$m=19456,t=3,p=1$",
        _HASH[:-4] + ("AAAA" if not _HASH.endswith("AAAA") else "BBBB"),  # tampered digest
        _HASH.replace("$m=19456,", "$m=19457,"),  # tampered parameters
        _HASH.replace("$argon2id$", "$argon2i$"),
        _HASH[:-10],
        _HASH + "$",
        "$2b$12$KIXQ1eSTuPxrdPVZj5VEWeP7X5H1E9jK6RZNrV0J3p2GmY0b1ZnOq",  # bcrypt
    ],
)
def test_verify_returns_false_for_tampered_or_invalid_hashes(bad_hash: str) -> None:
    assert verify_password(bad_hash, _PASSWORD) is False


def test_weaker_hashes_need_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1, type=Type.ID)
    old = weak.hash(_PASSWORD)
    assert verify_password(old, _PASSWORD)
    assert needs_rehash(old)
    assert needs_rehash("not a hash")


def test_a_stored_hash_that_cannot_be_read_does_not_raise() -> None:
    with pytest.raises(InvalidHashError):
        PasswordHasher().verify("not a hash", _PASSWORD)
    assert verify_password("not a hash", _PASSWORD) is False


def test_verify_is_well_within_the_login_budget() -> None:
    """Not a benchmark (bench/ has that): a guard against parameters that break the 150 ms p95."""
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        verify_password(_HASH, _PASSWORD)
        timings.append(time.perf_counter() - start)
    assert min(timings) < 0.150


def test_password_problems_is_cheap_enough_for_every_form_submission() -> None:
    start = time.perf_counter()
    for _ in range(50):
        password_problems("bright otter maple 42", context_words=STAFF_CONTEXT)
    assert (time.perf_counter() - start) / 50 < 0.01
    assert passwords.ALWAYS_CONTEXT_WORDS


EMAIL = "Zoe.Okafor-Smith@Harlow-Pantry.org.uk"


@pytest.mark.parametrize(
    "password",
    [
        "Zoe.Okafor-Smith@Harlow-Pantry.org.uk",
        "zoe.okafor-smith@harlow-pantry.org.uk",
        "ZOE.OKAFOR-SMITH@HARLOW-PANTRY.ORG.UK",
        " zoe.okafor-smith@harlow-pantry.org.uk ",
        "zoe.okafor-smith@harlow-pantry.org.uk1",
        "my zoe.okafor-smith@harlow-pantry.org.uk",
        "Zoe.Okafor-Smith",
        "ZOE.OKAFOR-SMITH",
        "ｚｏｅ.ｏｋａｆｏｒ-ｓｍｉｔｈ",  # full-width letters: the same after NFKC
    ],
)
def test_the_email_address_or_its_local_part_is_refused(password: str) -> None:
    assert password_problems(password, email=EMAIL) == [IS_EMAIL]


def test_a_password_merely_sharing_letters_with_the_email_is_judged_on_its_own() -> None:
    assert password_problems("bright otter maple 42", email=EMAIL) == []
    assert password_problems("zoe.okafor-smith@harlow-pantry.org.uk", email="") == []
