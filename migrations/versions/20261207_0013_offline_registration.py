"""Offline registration: a household registered on an enrolled tablet while it was offline,
as the server received it at sync (issue 14).

A new table, one row per such member: when and on which tablet it was recorded, the
provisional number the tablet gave it, the Idempotency-Key and request fingerprint it was
sent with (unique per site, so a retry never registers twice), and the site manager's review
of a possible duplicate (open, kept or closed, with the reason, the existing member's id, a
note, who reviewed it and when). `duplicate_of_id` has no foreign key on purpose: a subject
access export follows every foreign key to members.id, and the other household's export must
not carry this one's record. Existing members need nothing: they were registered online.

The site setting `offline_registration` lives in sites.settings_data (JSON) and defaults to
off, so it needs no migration.

Revision ID: 0013_offline_registration
Revises: 0012_devices
Create Date: 2026-12-07 01:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_offline_registration'
down_revision = '0012_devices'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('offline_registrations',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=100), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('device', sa.String(length=100), nullable=False),
    sa.Column('provisional_number', sa.String(length=20), nullable=False),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('review_status', sa.String(length=10), nullable=True),
    sa.Column('review_reason_code', sa.String(length=40), nullable=False),
    sa.Column('review_reason', sa.String(length=300), nullable=False),
    sa.Column('duplicate_of_id', sa.Integer(), nullable=True),
    sa.Column('review_note', sa.String(length=500), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("review_status IS NULL OR review_status IN ('open', 'kept', 'closed')", name=op.f('ck_offline_registrations_review_status')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_offline_registrations_member_id_members')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_offline_registrations_reviewed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_offline_registrations_site_id_sites')),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_offline_registrations')),
    sa.UniqueConstraint('site_id', 'idempotency_key', name=op.f('uq_offline_registrations_site_id_idempotency_key'))
    )
    with op.batch_alter_table('offline_registrations', schema=None) as batch_op:
        batch_op.create_index('ix_offline_registrations_site_review_status', ['site_id', 'review_status'], unique=False)


def downgrade():
    with op.batch_alter_table('offline_registrations', schema=None) as batch_op:
        batch_op.drop_index('ix_offline_registrations_site_review_status')

    op.drop_table('offline_registrations')
