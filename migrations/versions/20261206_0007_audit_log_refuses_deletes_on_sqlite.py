"""The audit log refuses DELETE on SQLite too (PostgreSQL's trigger already refused both
UPDATE and DELETE; SQLite's refused only UPDATE).

Nothing in the application deletes audit rows: erasure and retention anonymise members and
add events, users and sites are deactivated, never deleted (deleting either would also set
audit rows' foreign keys to NULL, an UPDATE both databases already refuse).

Revision ID: 0007_audit_no_delete
Revises: 0006
Create Date: 2026-12-06 15:20:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007_audit_no_delete'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
        )


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
