"""Migrations keep the data they move: a SQLite table rebuilt in batch mode must not take the
rows that refer to it with it (ON DELETE CASCADE fires when the old table is dropped, unless
foreign keys are off while the migrations run: migrations/env.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select, text

from supermarket import create_app
from supermarket.demo import load_demo
from supermarket.extensions import db
from supermarket.reporting.rollups import complete_through
from supermarket.reporting.rollups.refresh import _roll_up_range
from supermarket.visits.models import Visit

# Before the visit keys (0026), whose downgrade and upgrade rebuild `visits`, its bands and
# lines and the points ledger.
BEFORE_REBUILDS = "0025_anonymous_fingerprint"
TYPE_ROWS = "SELECT * FROM daily_visit_type_stats ORDER BY site_id, local_date, visit_type"
COUNTS = (
    "SELECT (SELECT count(*) FROM visits), (SELECT count(*) FROM visit_bands), "
    "(SELECT count(*) FROM points_ledger WHERE visit_id IS NOT NULL)"
)


# `concurrency`: the test commits for real in a database of its own, so the shared test
# session (tests/conftest.py) must not be put in its place.
@pytest.mark.slow
@pytest.mark.concurrency
def test_sqlite_rebuilds_keep_every_visits_basket(tmp_path: Path) -> None:
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'upgrade.db'}",
            "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
            "SERVER_NAME": None,
        }
    )
    with app.app_context():
        upgrade(revision="heads")
        load_demo()
        db.session.commit()
        visits, bands, points = db.session.execute(text(COUNTS)).one()
        db.session.commit()
        assert visits > 100
        assert bands > visits
        assert points > 0
        assert db.engine.url.database == str(tmp_path / "upgrade.db")

        downgrade(revision=BEFORE_REBUILDS)
        assert db.session.execute(
            text("SELECT (SELECT count(*) FROM visits), (SELECT count(*) FROM visit_bands)")
        ).one() == (visits, bands)
        db.session.commit()

        upgrade(revision="heads")
        assert db.session.execute(text(COUNTS)).one() == (visits, bands, points)
        orphans = db.session.execute(
            text(
                "SELECT count(*) FROM visit_bands b LEFT JOIN visits v "
                "ON v.id = b.visit_id AND v.local_date = b.local_date WHERE v.id IS NULL"
            )
        ).scalar_one()
        assert orphans == 0
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        db.session.commit()

        # 0028 filled the visit-type rollup for the days already rolled up, as the nightly
        # refresh rolls them up.
        filled = db.session.execute(text(TYPE_ROWS)).all()
        assert filled
        through = complete_through()
        assert through is not None
        first = db.session.scalar(select(func.min(Visit.local_date)))
        _roll_up_range(first, through)
        assert db.session.execute(text(TYPE_ROWS)).all() == filled
        db.session.rollback()
        db.engine.dispose()
