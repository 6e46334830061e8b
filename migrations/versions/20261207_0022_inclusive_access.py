"""Inclusive access: a "care of" address and a door note (with its sensitivity and the
member's consent to it) on members, the proxies a member names (`member_proxies`), and which
proxy collected a visit (`visits.proxy_id`).

Revision ID: 0022_inclusive_access
Revises: 0021_anonymous_visits
Create Date: 2026-12-07 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022_inclusive_access'
down_revision = '0021_anonymous_visits'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('care_of', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('door_note', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(
            sa.Column('door_note_sensitive', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column('door_note_consent_at', sa.DateTime(timezone=True), nullable=True))

    op.create_table('member_proxies',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('relationship', sa.String(length=60), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_member_proxies_added_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_proxies_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_proxies'))
    )
    with op.batch_alter_table('member_proxies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_proxies_member_id'), ['member_id'], unique=False)

    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proxy_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_visits_proxy_id'), ['proxy_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_visits_proxy_id_member_proxies'), 'member_proxies', ['proxy_id'], ['id'],
            ondelete='SET NULL',
        )


def downgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_visits_proxy_id_member_proxies'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_visits_proxy_id'))
        batch_op.drop_column('proxy_id')

    with op.batch_alter_table('member_proxies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_proxies_member_id'))
    op.drop_table('member_proxies')

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('door_note_consent_at')
        batch_op.drop_column('door_note_sensitive')
        batch_op.drop_column('door_note')
        batch_op.drop_column('care_of')
