"""supplier address and bic: suppliers in any country, paid with their postal address and BIC

Revision ID: 4e8b1c6d2f90
Revises: f3b8d1a6c2e9
Create Date: 2026-12-01 21:50:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '4e8b1c6d2f90'
down_revision = 'f3b8d1a6c2e9'
branch_labels = None
depends_on = None

ADDRESS_COLUMNS = [('street', 70), ('post_code', 16), ('town', 35), ('bic', 11)]


def upgrade():
    # Empty for every existing supplier and payment: until now a supplier was in Sweden or
    # Norway and no address or BIC was asked for; the payments keep what they were made with.
    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        for name, length in ADDRESS_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=True))
    with op.batch_alter_table('payments', schema=None) as batch_op:
        for name, length in ADDRESS_COLUMNS:
            batch_op.add_column(
                sa.Column(f'supplier_{name}', sa.String(length=length), nullable=True)
            )


def downgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        for name, _length in reversed(ADDRESS_COLUMNS):
            batch_op.drop_column(f'supplier_{name}')
    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        for name, _length in reversed(ADDRESS_COLUMNS):
            batch_op.drop_column(name)
