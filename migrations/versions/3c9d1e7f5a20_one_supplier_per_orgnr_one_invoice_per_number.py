"""one supplier per org.nr and one invoice per supplier and number, in the database

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

# Until now the app refused these duplicates itself; a database that holds some anyway (two
# imports at the same instant) stops the upgrade with the rows to tidy, rather than losing one.
DUPLICATES = {
    'uq_suppliers_company_orgnr': (
        'suppliers',
        ['company_id', 'orgnr'],
        "Leverantörer med samma org.nr i samma bolag (bolag, org.nr, antal)",
        "SELECT company_id, orgnr, count(*) FROM suppliers WHERE orgnr IS NOT NULL "
        "GROUP BY company_id, orgnr HAVING count(*) > 1",
    ),
    'uq_supplier_invoices_number': (
        'supplier_invoices',
        ['supplier_id', 'invoice_number'],
        "Fakturor med samma nummer från samma leverantör (leverantör, fakturanummer, antal)",
        "SELECT supplier_id, invoice_number, count(*) FROM supplier_invoices "
        "GROUP BY supplier_id, invoice_number HAVING count(*) > 1",
    ),
}


def upgrade():
    connection = op.get_bind()
    problems = []
    for _table, _columns, what, query in DUPLICATES.values():
        rows = connection.execute(sa.text(query)).all()
        if rows:
            problems.append(f"{what}: " + "; ".join(", ".join(map(str, row)) for row in rows))
    if problems:
        raise RuntimeError(
            "Uppgraderingen avbröts: databasen har dubbletter som måste rättas först. "
            + " ".join(problems)
        )
    for name, (table, columns, _what, _query) in DUPLICATES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_unique_constraint(name, columns)


def downgrade():
    for name, (table, _columns, _what, _query) in DUPLICATES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(name, type_='unique')
