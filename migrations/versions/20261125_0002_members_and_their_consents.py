"""Members: households registered at a site, with search keys, and the consents they gave.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 00:12:58.573885

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('membership_number', sa.String(length=8), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('first_name_key', sa.String(length=100).with_variant(sa.String(length=100, collation='C'), 'postgresql'), nullable=False),
    sa.Column('last_name_key', sa.String(length=100).with_variant(sa.String(length=100, collation='C'), 'postgresql'), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('age_band', sa.String(length=8), nullable=False),
    sa.Column('postcode', sa.String(length=8), nullable=True),
    sa.Column('postcode_district', sa.String(length=4), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('adults', sa.Integer(), nullable=False),
    sa.Column('children_0_4', sa.Integer(), nullable=False),
    sa.Column('children_5_11', sa.Integer(), nullable=False),
    sa.Column('children_12_17', sa.Integer(), nullable=False),
    sa.Column('eligibility_route', sa.String(length=20), nullable=False),
    sa.Column('referral_agency', sa.String(length=120), nullable=False),
    sa.Column('referral_reference', sa.String(length=60), nullable=False),
    sa.Column('benefit', sa.String(length=60), nullable=False),
    sa.Column('dietary', sa.JSON(), nullable=False),
    sa.Column('dietary_notes', sa.String(length=500), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('status_reason', sa.String(length=200), nullable=False),
    sa.Column('joined_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('review_due_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('match_hash', sa.String(length=64), nullable=True),
    sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('registered_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('waiting', 'active', 'suspended', 'lapsed', 'closed')", name=op.f('ck_members_status')),
    sa.CheckConstraint('adults >= 1 AND adults <= 20', name=op.f('ck_members_adults')),
    sa.CheckConstraint('children_0_4 >= 0 AND children_0_4 <= 20 AND children_5_11 >= 0 AND children_5_11 <= 20 AND children_12_17 >= 0 AND children_12_17 <= 20', name=op.f('ck_members_children')),
    sa.ForeignKeyConstraint(['registered_by_id'], ['users.id'], name=op.f('fk_members_registered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_members_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_members')),
    sa.UniqueConstraint('membership_number', name=op.f('uq_members_membership_number'))
    )
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_members_match_hash'), ['match_hash'], unique=False)
        batch_op.create_index('ix_members_site_first_name_key', ['site_id', 'first_name_key'], unique=False)
        batch_op.create_index('ix_members_site_last_name_key', ['site_id', 'last_name_key', 'first_name_key'], unique=False)
        batch_op.create_index('ix_members_site_postcode', ['site_id', 'postcode'], unique=False)
        batch_op.create_index('ix_members_site_postcode_district', ['site_id', 'postcode_district'], unique=False)
        batch_op.create_index('ix_members_site_status', ['site_id', 'status'], unique=False)

    op.create_table('member_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('given_by_id', sa.Integer(), nullable=True),
    sa.Column('given_method', sa.String(length=20), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_method', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['given_by_id'], ['users.id'], name=op.f('fk_member_consents_given_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_consents_member_id_members')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_member_consents_site_id_sites')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'], name=op.f('fk_member_consents_withdrawn_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_consents'))
    )
    with op.batch_alter_table('member_consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_consents_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_consents_site_id'), ['site_id'], unique=False)



def downgrade():
    with op.batch_alter_table('member_consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_consents_site_id'))
        batch_op.drop_index(batch_op.f('ix_member_consents_member_id'))

    op.drop_table('member_consents')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index('ix_members_site_status')
        batch_op.drop_index('ix_members_site_postcode_district')
        batch_op.drop_index('ix_members_site_postcode')
        batch_op.drop_index('ix_members_site_last_name_key')
        batch_op.drop_index('ix_members_site_first_name_key')
        batch_op.drop_index(batch_op.f('ix_members_match_hash'))

    op.drop_table('members')
