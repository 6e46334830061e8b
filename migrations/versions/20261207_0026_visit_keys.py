"""Visit keys: a check-in's idempotency key is kept unique in `visit_keys` (one row per site
and key, inserted before the visit) instead of by a unique constraint on `visits`, and
visit_bands, visit_lines and points_ledger point at a visit by (id, local_date), so that
`visits` and its basket tables may be partitioned by date (PostgreSQL requires a unique key
of a partitioned table, and so the key a foreign key refers to, to include the partition key).

`visit_keys` is filled from the visits that have a key; the new date columns from their
visits. `visits` keeps its key column, indexed (not unique), to find the first visit.

On SQLite the tables are rebuilt (batch mode) with foreign keys off: dropping `visits` to
rebuild it with them on would delete its bands and lines (ON DELETE CASCADE). They are checked
(PRAGMA foreign_key_check) before they are turned back on.

Revision ID: 0026_visit_keys
Revises: 0025_anonymous_fingerprint
Create Date: 2026-12-07 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026_visit_keys'
down_revision = '0025_anonymous_fingerprint'
branch_labels = None
depends_on = None

VISIT_KEY = ['visits.id', 'visits.local_date']


def _sqlite():
    return op.get_bind().dialect.name == 'sqlite'


def _sqlite_foreign_keys(on):
    """PRAGMA foreign_keys only changes outside a transaction: commit the migrations so far
    (alembic_version says where they got to), change it, and go on in a new transaction."""
    raw = op.get_bind().connection.driver_connection
    if not on:
        raw.execute('COMMIT')
        raw.execute('PRAGMA foreign_keys=OFF')
        raw.execute('BEGIN')
        return
    broken = raw.execute('PRAGMA foreign_key_check').fetchall()
    if broken:
        raise RuntimeError(f'foreign keys broken by the migration: {broken[:10]}')
    raw.execute('COMMIT')
    raw.execute('PRAGMA foreign_keys=ON')
    raw.execute('BEGIN')


def upgrade():
    sqlite = _sqlite()
    if sqlite:
        _sqlite_foreign_keys(False)
    op.create_table('visit_keys',
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_visit_keys_site_id_sites')),
    sa.PrimaryKeyConstraint('site_id', 'idempotency_key', name=op.f('pk_visit_keys'))
    )
    op.execute(
        'INSERT INTO visit_keys (site_id, idempotency_key, created_at) '
        'SELECT site_id, idempotency_key, visited_at FROM visits '
        'WHERE idempotency_key IS NOT NULL'
    )

    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_visits_site_id_idempotency_key'), type_='unique')
        batch_op.create_index('ix_visits_site_idempotency_key', ['site_id', 'idempotency_key'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_visits_id_local_date'), ['id', 'local_date'])

    for table in ('visit_bands', 'visit_lines'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('local_date', sa.Date(), nullable=True))
        op.execute(
            f'UPDATE {table} SET local_date = '
            f'(SELECT visits.local_date FROM visits WHERE visits.id = {table}.visit_id)'
        )
    with op.batch_alter_table('visit_bands', schema=None) as batch_op:
        batch_op.alter_column('local_date', existing_type=sa.Date(), nullable=False)
        batch_op.drop_constraint(batch_op.f('fk_visit_bands_visit_id_visits'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_visit_bands_visit_id_band'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_visit_bands_visit_id_local_date_band'), ['visit_id', 'local_date', 'band'])
        batch_op.create_foreign_key(batch_op.f('fk_visit_bands_visit_id_visits'), 'visits', ['visit_id', 'local_date'], ['id', 'local_date'], ondelete='CASCADE')
    with op.batch_alter_table('visit_lines', schema=None) as batch_op:
        batch_op.alter_column('local_date', existing_type=sa.Date(), nullable=False)
        batch_op.drop_constraint(batch_op.f('fk_visit_lines_visit_id_visits'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_visit_lines_visit_id_visits'), 'visits', ['visit_id', 'local_date'], ['id', 'local_date'], ondelete='CASCADE')

    with op.batch_alter_table('points_ledger', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visit_local_date', sa.Date(), nullable=True))
    op.execute(
        'UPDATE points_ledger SET visit_local_date = '
        '(SELECT visits.local_date FROM visits WHERE visits.id = points_ledger.visit_id) '
        'WHERE visit_id IS NOT NULL'
    )
    with op.batch_alter_table('points_ledger', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_points_ledger_visit_id_visits'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_points_ledger_visit_id_visits'), 'visits', ['visit_id', 'visit_local_date'], ['id', 'local_date'])
        batch_op.create_check_constraint(batch_op.f('ck_points_ledger_visit_local_date'), '(visit_id IS NULL) = (visit_local_date IS NULL)')
    if sqlite:
        _sqlite_foreign_keys(True)


def downgrade():
    sqlite = _sqlite()
    if sqlite:
        _sqlite_foreign_keys(False)
    with op.batch_alter_table('points_ledger', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_points_ledger_visit_local_date'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_points_ledger_visit_id_visits'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_points_ledger_visit_id_visits'), 'visits', ['visit_id'], ['id'])
    with op.batch_alter_table('points_ledger', schema=None) as batch_op:
        batch_op.drop_column('visit_local_date')

    with op.batch_alter_table('visit_lines', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_visit_lines_visit_id_visits'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_visit_lines_visit_id_visits'), 'visits', ['visit_id'], ['id'], ondelete='CASCADE')
    with op.batch_alter_table('visit_lines', schema=None) as batch_op:
        batch_op.drop_column('local_date')
    with op.batch_alter_table('visit_bands', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_visit_bands_visit_id_visits'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_visit_bands_visit_id_local_date_band'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_visit_bands_visit_id_band'), ['visit_id', 'band'])
        batch_op.create_foreign_key(batch_op.f('fk_visit_bands_visit_id_visits'), 'visits', ['visit_id'], ['id'], ondelete='CASCADE')
    with op.batch_alter_table('visit_bands', schema=None) as batch_op:
        batch_op.drop_column('local_date')

    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_visits_id_local_date'), type_='unique')
        batch_op.drop_index('ix_visits_site_idempotency_key')
        batch_op.create_unique_constraint(batch_op.f('uq_visits_site_id_idempotency_key'), ['site_id', 'idempotency_key'])

    op.drop_table('visit_keys')
    if sqlite:
        _sqlite_foreign_keys(True)
