"""attest list indexes: its order and its sums per status

Revision ID: 5d2f8a1c7b3e
Revises: 2b6f9e4c1a73
Create Date: 2026-12-01 22:10:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '5d2f8a1c7b3e'
down_revision = '2b6f9e4c1a73'
branch_labels = None
depends_on = None


def upgrade():
    # Indexes only: every existing payment is in them as soon as they are built.
    op.create_index(
        'ix_payments_attest_order',
        'payments',
        ['status', 'payment_date', 'payment_file_id', 'id'],
    )
    op.create_index('ix_payments_status_sums', 'payments', ['status', 'currency', 'amount'])


def downgrade():
    op.drop_index('ix_payments_status_sums', table_name='payments')
    op.drop_index('ix_payments_attest_order', table_name='payments')
