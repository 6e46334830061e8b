"""Every form on every page, as a browser would send it, with each field in turn holding what a
person (or a probe) might type that the database cannot hold: never a 500, and a NUL is a
plain 400 page.

A crawler follows the links of the demonstration programme as each role sees it, collects the
forms, and submits each one with one field changed at a time, inside a savepoint that is
rolled back afterwards, so no submission changes what the next one sees.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask, current_app
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from supermarket.demo import load_demo
from supermarket.extensions import db
from supermarket.sites.models import Site
from supermarket.stock.services.stocktake import start_stocktake
from tests.conftest import Client

# Typed where a number is expected (and anywhere else): none may reach the database as is.
PROBES = [
    "9223372036854775808",
    "-9223372036854775809",
    "2147483648",
    "1e28",
    "-1.8e308",
    "NaN",
    "sNaN",
    "Infinity",
    "1e999999999",
    "²",
]
NUL = "a\x00b"
MAX_PAGES = 150
SKIP_ACTIONS = ("/logout",)
DOWNLOADS = (".pdf", ".csv", ".json")


class _Forms(HTMLParser):
    """The links and forms of a page: each form as (method, action, [(name, value, kind)])."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[tuple[str, str, list[tuple[str, str, str]]]] = []
        self._form: tuple[str, str, list[tuple[str, str, str]]] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = (a.get("method", "get").upper(), a.get("action", ""), [])
            self.forms.append(self._form)
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                self._form[2].append((a["name"], "", "choice"))
                return
            self._form[2].append((a["name"], a.get("value", "on"), kind))
        elif tag == "select":
            self._select = a["name"]
            self._form[2].append((a["name"], "", "select"))
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form[2].append((a["name"], "", "textarea"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea is not None:
            fields = self._form[2]
            fields[-1] = (fields[-1][0], data, "textarea")


def _parse(html: str) -> _Forms:
    parser = _Forms()
    parser.feed(html)
    return parser


def _endpoint(path: str, method: str) -> str:
    """The route a form posts to: forms that differ only in an id are one form."""
    try:
        endpoint, _ = current_app.url_map.bind("localhost").match(path, method)
    except HTTPException:
        return path
    return str(endpoint)


def _crawl(
    client: Client, forms: set[tuple[str, str, tuple[str, ...]]]
) -> Iterator[tuple[str, tuple[str, str, list[tuple[str, str, str]]]]]:
    """(page, form) for every form on the pages reachable by links from the home page, but
    those in forms (method, endpoint, field names), which it adds to."""
    seen: set[str] = set()
    queue = ["/"]
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url, follow_redirects=True)
        assert response.status_code < 500, url
        if "text/html" not in response.content_type:
            continue
        page = _parse(response.get_data(as_text=True))
        for form in page.forms:
            action = urlsplit(urljoin(url, form[1] or url)).path
            key = (form[0], _endpoint(action, form[0]), tuple(sorted(n for n, _, _ in form[2])))
            if key not in forms and not action.startswith(SKIP_ACTIONS):
                forms.add(key)
                yield url, (form[0], action, form[2])
        for href in page.links:
            target = urljoin(url, href)
            parts = urlsplit(target)
            if parts.netloc not in ("", "localhost") or parts.path.startswith("/static"):
                continue
            if parts.path.endswith(DOWNLOADS) or parts.path.startswith(SKIP_ACTIONS):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if local not in seen:
                queue.append(local)


class _Rollback:
    """Each submission in its own savepoint, rolled back, with the client's cookies restored."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.connection = db.session.connection()

    def __enter__(self) -> None:
        self.cookies = dict(self.client._cookies)
        db.session.close()
        self.savepoint = self.connection.begin_nested()

    def __exit__(self, *exc: object) -> None:
        db.session.close()
        self.savepoint.rollback()
        self.client._cookies.clear()
        self.client._cookies.update(self.cookies)


def _submit(
    client: Client,
    method: str,
    action: str,
    fields: list[tuple[str, str, str]],
    changed: set[str],
    value: str,
) -> Any:
    data = MultiDict([(name, value if name in changed else default) for name, default, _ in fields])
    if method == "GET":
        return client.get(action, query_string=data)
    return client.post(action, data=data)


@pytest.fixture
def demo_programme(app: Flask) -> Iterator[dict[str, str]]:
    """The demonstration programme on a Tuesday morning, with a stocktake under way."""
    morning = datetime(2026, 3, 10, 11, 30, tzinfo=ZoneInfo("Europe/London"))
    with time_machine.travel(morning, tick=True):
        logins = {email: password for _, email, password in load_demo()}
        harlow = db.session.scalar(select(Site).where(Site.code == "harlow"))
        from supermarket.auth.models import User

        manager = db.session.scalar(select(User).where(User.email == "amara.manager@example.org"))
        assert harlow is not None
        assert manager is not None
        start_stocktake(harlow, category=None, actor=manager, note="")
        db.session.commit()
        yield logins


STAFF = [
    "amara.manager@example.org",
    "sue.volunteer@example.org",
    "jo.admin@example.org",
    "priya.lead@example.org",
]
# Tried in every field at once, then (the first few) in each field alone: a refusal of one
# field cannot hide another's 500.
EACH_FIELD = ["9223372036854775808", "1e28", "²"]


def _one_per_row(names: list[str]) -> list[str]:
    """Fields that differ only in a row number or id (line-0-sku, line-1-sku) once each."""
    seen: set[str] = set()
    first = []
    for name in names:
        shape = re.sub(r"\d+", "#", name)
        if shape not in seen:
            seen.add(shape)
            first.append(name)
    return first


def _sign_in(app: Flask, email: str, password: str) -> Client:
    app.test_client_class = Client
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = login.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 303
    return client


@pytest.mark.slow
def test_no_form_field_can_make_a_server_error(app, demo_programme):
    failures: list[tuple[str, str, str, str, str, int]] = []
    submitted = 0
    forms: set[tuple[str, str, tuple[str, ...]]] = set()  # each form once, whoever sees it
    for email in STAFF:
        client = _sign_in(app, email, demo_programme[email])
        for page, (method, action, fields) in list(_crawl(client, forms)):
            names = [name for name, _, _ in fields if name != "csrf_token"]
            trials = [(names, value) for value in [NUL, *PROBES]]
            trials += [([name], value) for name in _one_per_row(names) for value in EACH_FIELD]
            for changed, value in trials:
                with _Rollback(client):
                    response = _submit(client, method, action, fields, set(changed), value)
                submitted += 1
                refused = response.status_code == 400 and "not allowed" in response.get_data(
                    as_text=True
                )
                if response.status_code >= 500 or (value == NUL and names and not refused):
                    label = ",".join(changed) if len(changed) == 1 else "every field"
                    failures.append((email, page, action, label, repr(value), response.status_code))
    assert submitted > 500
    assert failures == []
