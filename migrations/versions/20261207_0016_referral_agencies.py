"""Referral agencies (issue 15): the register of agencies that refer households to the sites
(with the sites each refers to), the `referrer` role's link to its agency (`users.agency_id`),
and the households the agencies refer (`inbound_referrals`) with the site's decision.

An inbound referral carries the household's details given with their consent (a CHECK holds
`consent_given`); once accepted it points at the member it became, and its personal details
are cleared when that member is anonymised (the row stays, for statistics by agency kind).
The site's incoming list reads by site and status, hence the index. An agency is never
deleted (it is set not active), so its referrals keep it; `users.agency_id` is set NULL if
one ever is. The role is a value of `users.role` (a plain string): no change there.

Revision ID: 0016_referral_agencies
Revises: 0015_survey_pair_rollups
Create Date: 2026-12-07 04:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_referral_agencies'
down_revision = '0015_survey_pair_rollups'
branch_labels = None
depends_on = None

KINDS = (
    "'citizens_advice', 'council_early_help', 'school', 'gp_social_prescriber', "
    "'jobcentre_plus', 'housing', 'charity', 'other'"
)


def upgrade():
    op.create_table('referral_agencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f('ck_referral_agencies_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_agencies')),
    sa.UniqueConstraint('name', name=op.f('uq_referral_agencies_name'))
    )

    op.create_table('referral_agency_sites',
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['referral_agencies.id'], name=op.f('fk_referral_agency_sites_agency_id_referral_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_referral_agency_sites_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'site_id', name=op.f('pk_referral_agency_sites'))
    )
    with op.batch_alter_table('referral_agency_sites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_agency_sites_site_id'), ['site_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agency_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_agency_id'), ['agency_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_users_agency_id_referral_agencies'), 'referral_agencies', ['agency_id'], ['id'], ondelete='SET NULL')

    op.create_table('inbound_referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('referred_by_id', sa.Integer(), nullable=True),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('postcode', sa.String(length=10), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('adults', sa.Integer(), nullable=False),
    sa.Column('children_0_4', sa.Integer(), nullable=False),
    sa.Column('children_5_11', sa.Integer(), nullable=False),
    sa.Column('children_12_17', sa.Integer(), nullable=False),
    sa.Column('consent_given', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decline_reason', sa.String(length=500), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("urgency IN ('routine', 'urgent')", name=op.f('ck_inbound_referrals_urgency')),
    sa.CheckConstraint("status IN ('pending', 'accepted', 'declined')", name=op.f('ck_inbound_referrals_status')),
    sa.CheckConstraint('consent_given', name=op.f('ck_inbound_referrals_consent_given')),
    sa.ForeignKeyConstraint(['agency_id'], ['referral_agencies.id'], name=op.f('fk_inbound_referrals_agency_id_referral_agencies')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_inbound_referrals_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_inbound_referrals_member_id_members')),
    sa.ForeignKeyConstraint(['referred_by_id'], ['users.id'], name=op.f('fk_inbound_referrals_referred_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_inbound_referrals_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_referrals'))
    )
    with op.batch_alter_table('inbound_referrals', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_referrals_site_status', ['site_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_referrals_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_referrals_member_id'), ['member_id'], unique=False)


def downgrade():
    with op.batch_alter_table('inbound_referrals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_referrals_member_id'))
        batch_op.drop_index(batch_op.f('ix_inbound_referrals_agency_id'))
        batch_op.drop_index('ix_inbound_referrals_site_status')

    op.drop_table('inbound_referrals')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_agency_id_referral_agencies'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_users_agency_id'))
        batch_op.drop_column('agency_id')

    with op.batch_alter_table('referral_agency_sites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_agency_sites_site_id'))

    op.drop_table('referral_agency_sites')
    op.drop_table('referral_agencies')
