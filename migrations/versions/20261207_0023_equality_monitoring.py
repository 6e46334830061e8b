"""Equality monitoring (issue 16): `member_monitoring`, one row per member holding the
household's answers to the optional monitoring questions (gender, ethnic group by the ONS 2021
census categories, disability or long-term illness, employment, carer, veteran).

Each answer is NULL when the question was not asked (or cleared), which is not the same as
"prefer_not_to_say"; a CHECK holds each to its answers. A separate table keeps the member row
the door reads lean. The row is deleted when the member is anonymised. `site_id` (the
member's site) is indexed, as every site-owned table's is.

Revision ID: 0023_equality_monitoring
Revises: 0022_inclusive_access
Create Date: 2026-12-07 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023_equality_monitoring'
down_revision = '0022_inclusive_access'
branch_labels = None
depends_on = None

PREFER = "'prefer_not_to_say'"
YES_NO = f"'yes', 'no', {PREFER}"
ANSWERS = {
    'gender': f"'woman', 'man', 'non_binary', 'another', {PREFER}",
    'ethnic_group': (
        "'asian_bangladeshi', 'asian_chinese', 'asian_indian', 'asian_pakistani', 'asian_other',"
        " 'black_african', 'black_caribbean', 'black_other', 'mixed_white_asian',"
        " 'mixed_white_black_african', 'mixed_white_black_caribbean', 'mixed_other',"
        " 'white_british', 'white_irish', 'white_gypsy_traveller', 'white_roma', 'white_other',"
        f" 'other_arab', 'other_any', {PREFER}"
    ),
    'disability': YES_NO,
    'employment': (
        "'employed_full_time', 'employed_part_time', 'self_employed', 'unemployed',"
        " 'long_term_sick', 'looking_after_home', 'retired', 'student', 'other',"
        f" {PREFER}"
    ),
    'carer': YES_NO,
    'veteran': YES_NO,
}
LENGTHS = {'gender': 20, 'ethnic_group': 30, 'disability': 20, 'employment': 20, 'carer': 20, 'veteran': 20}


def upgrade():
    op.create_table('member_monitoring',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    *[sa.Column(name, sa.String(length=LENGTHS[name]), nullable=True) for name in ANSWERS],
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    *[
        sa.CheckConstraint(
            f"{name} IS NULL OR {name} IN ({values})",
            name=op.f(f'ck_member_monitoring_{name}'),
        )
        for name, values in ANSWERS.items()
    ],
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_monitoring_member_id_members')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_member_monitoring_site_id_sites')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_member_monitoring_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_member_monitoring'))
    )
    with op.batch_alter_table('member_monitoring', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_monitoring_site_id'), ['site_id'], unique=False)


def downgrade():
    with op.batch_alter_table('member_monitoring', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_monitoring_site_id'))

    op.drop_table('member_monitoring')
