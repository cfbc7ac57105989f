"""paying account as banks see it: the bank, the agreement id and the company's giro numbers

Revision ID: f3b8d1a6c2e9
Revises: 7d4e1a9c2b60
Create Date: 2026-12-20 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'f3b8d1a6c2e9'
down_revision = '7d4e1a9c2b60'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('debtor_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bank', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('agreement_id', sa.String(length=35), nullable=True))
        batch_op.add_column(sa.Column('bankgiro', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('plusgiro', sa.String(length=8), nullable=True))
    # An account that was a bankgiro or plusgiro number keeps it, now as the company's giro
    # number, and its old columns as they were: the app reads it as an account whose bank
    # account is missing until an admin fills it in. Bank and BIC of a bank account follow
    # from its number when read; no agreement id was ever asked for, so none is invented.
    accounts = sa.table(
        'debtor_accounts',
        sa.column('account_type', sa.String),
        sa.column('account', sa.String),
        sa.column('bankgiro', sa.String),
        sa.column('plusgiro', sa.String),
    )
    for account_type, column in (('BGNR', 'bankgiro'), ('PGNR', 'plusgiro')):
        op.execute(
            accounts.update()
            .where(accounts.c.account_type == account_type)
            .values({column: accounts.c.account})
        )


def downgrade():
    with op.batch_alter_table('debtor_accounts', schema=None) as batch_op:
        batch_op.drop_column('plusgiro')
        batch_op.drop_column('bankgiro')
        batch_op.drop_column('agreement_id')
        batch_op.drop_column('bank')
