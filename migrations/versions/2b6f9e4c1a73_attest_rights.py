"""attest rights: which companies and amounts a user may attest, two attesters above a limit, substitutes

Revision ID: 2b6f9e4c1a73
Revises: b3e9a4c7d215
Create Date: 2026-12-01 22:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '2b6f9e4c1a73'
down_revision = 'b3e9a4c7d215'
branch_labels = None
depends_on = None


def upgrade():
    # Every existing user keeps attesting as before: all companies, any amount, until an
    # admin limits them.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'attests_all_companies', sa.Boolean(), server_default=sa.true(), nullable=False
            )
        )
    op.create_table(
        'attest_rights',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('company_id', sa.Integer(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('max_amount', sa.Numeric(precision=14, scale=2), nullable=True),
        sa.ForeignKeyConstraint(['company_id'], ['companies.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'company_id', 'currency'),
    )
    with op.batch_alter_table('attest_rights', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attest_rights_company_id'), ['company_id'])
        batch_op.create_index(batch_op.f('ix_attest_rights_user_id'), ['user_id'])
    # Off by default: no company has a limit, and no payment has a first attestation.
    op.create_table(
        'dual_attest_limits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('company_id', sa.Integer(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('above_amount', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.ForeignKeyConstraint(['company_id'], ['companies.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('company_id', 'currency'),
    )
    with op.batch_alter_table('dual_attest_limits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dual_attest_limits_company_id'), ['company_id'])
    op.create_table(
        'substitutions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('substitute_id', sa.Integer(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id']),
        sa.ForeignKeyConstraint(['substitute_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('substitutions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_substitutions_owner_id'), ['owner_id'])
        batch_op.create_index(batch_op.f('ix_substitutions_substitute_id'), ['substitute_id'])
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_attested_by', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('first_attested_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    # Not batch mode: copying payments would reflect suppliers' expression index, which
    # SQLite reflection cannot; both databases drop a plain column in place (SQLite >= 3.35).
    op.execute('ALTER TABLE payments DROP COLUMN first_attested_at')
    op.execute('ALTER TABLE payments DROP COLUMN first_attested_by')
    op.drop_table('substitutions')
    op.drop_table('dual_attest_limits')
    op.drop_table('attest_rights')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('attests_all_companies')
