"""payment_invoices: every invoice and credit note a payment pays, one live payment each

Revision ID: b6c4e2a8d1f3
Revises: 9ccb955007b6
Create Date: 2026-12-01 22:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b6c4e2a8d1f3'
down_revision = '9ccb955007b6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'payment_invoices',
        sa.Column('payment_id', sa.Integer(), nullable=False),
        sa.Column('invoice_id', sa.Integer(), nullable=False),
        sa.Column('live_invoice_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['invoice_id'], ['supplier_invoices.id']),
        sa.ForeignKeyConstraint(['payment_id'], ['payments.id']),
        sa.PrimaryKeyConstraint('payment_id', 'invoice_id'),
    )
    # Every payment made so far paid one invoice: it gets its one row, live as the payment's
    # own live_invoice_id says (NULL for an undone payment, and for the younger of two live
    # payments of one invoice from before the database held the rule).
    op.execute(
        "INSERT INTO payment_invoices (payment_id, invoice_id, live_invoice_id) "
        "SELECT id, invoice_id, live_invoice_id FROM payments"
    )
    op.create_index(
        'ix_payment_invoices_invoice_id', 'payment_invoices', ['invoice_id'], unique=False
    )
    op.create_index(
        'ix_payment_invoices_live_invoice_id',
        'payment_invoices',
        ['live_invoice_id'],
        unique=True,
    )


def downgrade():
    op.drop_index('ix_payment_invoices_live_invoice_id', table_name='payment_invoices')
    op.drop_index('ix_payment_invoices_invoice_id', table_name='payment_invoices')
    op.drop_table('payment_invoices')
