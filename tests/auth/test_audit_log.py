"""The audit log is append-only in the database itself, on SQLite as on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from supermarket.auth.models import AuditEvent
from supermarket.extensions import db


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM audit_events",
        "DELETE FROM audit_events WHERE id = (SELECT MIN(id) FROM audit_events)",
        "UPDATE audit_events SET action = 'tampered'",
        "UPDATE audit_events SET actor_id = NULL",
    ],
)
def test_the_database_refuses_to_change_or_delete_audit_rows(make_user, statement):
    make_user("volunteer")
    before = _count()
    assert before > 0
    with pytest.raises(Exception, match="append-only"), db.session.begin_nested():
        db.session.execute(text(statement))
    assert _count() == before
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "tampered")
        )
        == 0
    )


def test_the_orm_refuses_to_delete_an_audit_row(make_user):
    make_user("volunteer")
    event = db.session.scalars(select(AuditEvent)).first()
    db.session.delete(event)
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
