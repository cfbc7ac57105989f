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
    # Until now the app refused these duplicates itself; a database that holds some anyway (two
    # imports at the same instant) stops the upgrade with the rows to tidy, rather than losing one.
    duplicates = op.get_bind().execute(sa.text(
        "SELECT supplier_id, invoice_number, count(*) FROM supplier_invoices "
        "GROUP BY supplier_id, invoice_number HAVING count(*) > 1"
    )).all()
    if duplicates:
        raise RuntimeError(
            "Uppgraderingen avbröts: databasen har dubbletter som måste rättas först. "
            "Fakturor med samma nummer från samma leverantör (leverantör, fakturanummer, antal): "
            + "; ".join(", ".join(map(str, row)) for row in duplicates)
        )
    with op.batch_alter_table('supplier_invoices', schema=None) as batch_op:
        batch_op.create_unique_constraint(CONSTRAINT, ['supplier_id', 'invoice_number'])


def downgrade():
    with op.batch_alter_table('supplier_invoices', schema=None) as batch_op:
        batch_op.drop_constraint(CONSTRAINT, type_='unique')
