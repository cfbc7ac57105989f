"""one invoice per supplier and number, in the database

Revision ID: 3c9d1e7f5a20
Revises: 5b7e2f0a9c41
Create Date: 2026-11-26 08:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '3c9d1e7f5a20'
down_revision = '5b7e2f0a9c41'
branch_labels = None
depends_on = None

CONSTRAINT = 'uq_supplier_invoices_number'


def upgrade():
    # Until now the app refused these duplicates itself, but older versions could store one
    # invoice twice (the first release's demo did) and such rows may have been paid. A database
    # that holds some gets the rule from a7d3e5b19c42, which keeps and numbers them; stopping
    # here would leave no way forward.
    duplicates = op.get_bind().execute(sa.text(
        "SELECT 1 FROM supplier_invoices "
        "GROUP BY supplier_id, invoice_number HAVING count(*) > 1"
    )).first()
    if duplicates is not None:
        return
    with op.batch_alter_table('supplier_invoices', schema=None) as batch_op:
        batch_op.create_unique_constraint(CONSTRAINT, ['supplier_id', 'invoice_number'])


def downgrade():
    constraints = sa.inspect(op.get_bind()).get_unique_constraints('supplier_invoices')
    if CONSTRAINT not in {c['name'] for c in constraints}:
        return
    with op.batch_alter_table('supplier_invoices', schema=None) as batch_op:
        batch_op.drop_constraint(CONSTRAINT, type_='unique')
