"""After sign-in the browser goes back only to a path on this site: never an open redirect."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from supermarket.auth.redirects import MAX_LENGTH, safe_next
from tests.conftest import PASSWORD, csrf_token

# Values as the app sees them, after the query string or form has been decoded once.
REFUSED = [
    "//evil.example/x",
    "///evil.example/x",
    "/\\evil.example/x",
    "\\\\evil.example/x",
    "/\\/evil.example/x",
    "/%5cevil.example/x",
    "/%5Cevil.example/x",
    "/%2f%2fevil.example/x",
    "/%2F/evil.example/x",
    "/%252f%252fevil.example",
    "/\t/evil.example/x",
    "/x\t",
    "\t//evil.example/x",
    "/\n/x",
    "/x\r\nSet-Cookie: a=b",
    "/\r/evil.example",
    "/%09/evil.example/x",
    "/%0a/x",
    "/%0d%0a/x",
    "/x\x00",
    "/%00x",
    "/ /evil.example",
    "/\u2028/evil.example",
    "/\u00a0/evil.example",
    "/\u200b/evil.example",
    "https://evil.example/x",
    "https:evil.example/x",
    "https:/evil.example/x",
    "http:\\\\evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "//user@evil.example/x",
    "https://good.example@evil.example/x",
    "@evil.example",
    "evil.example/x",
    "x",
    "",
    "/" + "a" * MAX_LENGTH,
]

ACCEPTED = [
    "/",
    "/members",
    "/members/ABCD2345?tab=visits",
    "/members?q=Zo%C3%AB+Smith&status=active",
    "/stock/products?cursor=abc%3D%3D",
    "/reporting/programme#q3",
    "/surveys/take/ABCD2345?next=/members",
    "/members/a@b",
    "/" + "a" * (MAX_LENGTH - 1),
]


@pytest.mark.parametrize("target", REFUSED)
def test_anything_but_a_local_path_is_refused(target: str) -> None:
    assert safe_next(target) is None


def test_a_missing_target_is_refused() -> None:
    assert safe_next(None) is None


@pytest.mark.parametrize("target", ACCEPTED)
def test_a_path_on_this_site_is_kept(target: str) -> None:
    assert safe_next(target) == target


def _sign_in(client, user, next_raw: str):
    # next_raw is put in the query string as written: it is what an attacker's link carries.
    return client.post(
        f"/login?next={next_raw}",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )


@pytest.mark.parametrize(
    "next_raw",
    [
        "/%09/evil.example/x",
        "/%0a/x",
        "/%0d%0aSet-Cookie:%20x=1",
        "//evil.example/x",
        "/%5cevil.example",
        "/%255cevil.example",
        "%2F%2Fevil.example",
        "https:%2F%2Fevil.example",
        quote("/" + "a" * 5000, safe="/"),
    ],
)
def test_sign_in_with_a_hostile_next_goes_to_the_home_page(client, make_user, next_raw):
    user = make_user("volunteer")
    response = _sign_in(client, user, next_raw)
    assert response.status_code == 303
    assert response.headers["Location"] == "/checkin"


def test_a_next_with_a_nul_byte_is_refused_before_anyone_signs_in(client, make_user):
    user = make_user("volunteer")
    response = _sign_in(client, user, "/%00")
    assert response.status_code == 400  # NUL is refused anywhere in a request
    assert "Location" not in response.headers


def test_sign_in_returns_to_the_page_that_asked(client, make_user):
    user = make_user("volunteer")
    response = _sign_in(client, user, quote("/members?q=Zo%C3%AB", safe="/"))
    assert response.status_code == 303
    assert response.headers["Location"] == "/members?q=Zo%C3%AB"


def test_the_second_factor_step_keeps_only_a_safe_next(client, make_user):
    import pyotp

    from supermarket.auth import services as auth
    from supermarket.extensions import db

    user = make_user("admin")
    secret = pyotp.random_base32()
    auth.enable_totp(user, secret, pyotp.TOTP(secret).now())
    user.totp_last_step = 0
    db.session.commit()
    response = _sign_in(client, user, "/%09/evil.example/x")
    assert response.headers["Location"] == "/login/verify"
    with client.session_transaction() as saved:
        assert saved["next"] is None
