"""take_write_lock(): a view marked late_write_lock takes SQLite's write lock itself."""

from __future__ import annotations

import pytest

from supermarket.extensions import db
from supermarket.sites.models import Site
from supermarket.transactions import sqlite_write_intent, take_write_lock


def test_taking_the_lock_after_a_change_is_a_programming_error(app):
    token = sqlite_write_intent.set(False)
    try:
        db.session.add(Site(code="late", name="Late", postcode="CM20 1AB"))
        with pytest.raises(RuntimeError, match="before the request changes anything"):
            take_write_lock()
    finally:
        sqlite_write_intent.reset(token)
        db.session.rollback()


def test_taking_the_lock_keeps_what_the_request_loaded(app, make_site):
    site = make_site()
    token = sqlite_write_intent.set(False)
    try:
        loaded = db.session.get(Site, site.id)
        take_write_lock()
        assert sqlite_write_intent.get() is True
        assert "name" in loaded.__dict__  # not expired: no query to read it again
    finally:
        sqlite_write_intent.reset(token)


def test_taking_the_lock_twice_does_nothing_the_second_time(app):
    token = sqlite_write_intent.set(True)
    try:
        take_write_lock()
        assert sqlite_write_intent.get() is True
    finally:
        sqlite_write_intent.reset(token)
