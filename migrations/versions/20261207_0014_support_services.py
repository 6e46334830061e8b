"""Support services and referrals (issue 15): the directory of support services (the
programme's entries and each site's, with the sites each serves) and the signposts and
referrals of members to them, with the latest outcome.

`referrals.note` is the one free text about a member: it is cleared when the member is
anonymised (the rows stay, for statistics). A referral (not a signpost) needs the member's
consent, recorded as given: a CHECK holds it. The follow-up list reads referrals by site and
`status_on`, hence the index. A service is never deleted (it is set not in use), so
referrals keep their service; deleting a site deletes its own entries and what they serve.

Revision ID: 0014_support_services
Revises: 0013_offline_registration
Create Date: 2026-12-07 01:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_support_services'
down_revision = '0013_offline_registration'
branch_labels = None
depends_on = None

CATEGORIES = (
    "'benefits_advice', 'debt_advice', 'energy', 'housing', 'employment_skills', "
    "'childcare_early_years', 'health_wellbeing', 'healthy_start', 'food_other', 'other'"
)
STATUSES = "'made', 'contacted', 'engaged', 'resolved', 'declined', 'no_response'"


def upgrade():
    op.create_table('support_services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('provider', sa.String(length=120), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('website', sa.String(length=300), nullable=False),
    sa.Column('walk_in', sa.String(length=300), nullable=False),
    sa.Column('all_sites', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(f"category IN ({CATEGORIES})", name=op.f('ck_support_services_category')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_support_services_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_services'))
    )
    with op.batch_alter_table('support_services', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_services_site_id'), ['site_id'], unique=False)

    op.create_table('support_service_sites',
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['support_services.id'], name=op.f('fk_support_service_sites_service_id_support_services'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_support_service_sites_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('service_id', 'site_id', name=op.f('pk_support_service_sites'))
    )
    with op.batch_alter_table('support_service_sites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_service_sites_site_id'), ['site_id'], unique=False)

    op.create_table('referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('consent_given', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('made_on', sa.Date(), nullable=False),
    sa.Column('status_on', sa.Date(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('signpost', 'referral')", name=op.f('ck_referrals_kind')),
    sa.CheckConstraint(f"status IN ({STATUSES})", name=op.f('ck_referrals_status')),
    sa.CheckConstraint("kind = 'signpost' OR consent_given", name=op.f('ck_referrals_referral_has_consent')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_referrals_member_id_members')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_referrals_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_id'], ['support_services.id'], name=op.f('fk_referrals_service_id_support_services')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_referrals_site_id_sites')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_referrals_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals'))
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index('ix_referrals_site_status_on', ['site_id', 'status_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_service_id'), ['service_id'], unique=False)


def downgrade():
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referrals_service_id'))
        batch_op.drop_index(batch_op.f('ix_referrals_member_id'))
        batch_op.drop_index('ix_referrals_site_status_on')

    op.drop_table('referrals')
    with op.batch_alter_table('support_service_sites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_service_sites_site_id'))

    op.drop_table('support_service_sites')
    with op.batch_alter_table('support_services', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_services_site_id'))

    op.drop_table('support_services')
