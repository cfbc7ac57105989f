"""historical duplicate invoices kept, numbered; one invoice per supplier and number from now on

Revision ID: a7d3e5b19c42
Revises: 3c9d1e7f5a20
Create Date: 2026-12-01 21:00:00.000000

"""
from datetime import UTC
from datetime import datetime

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'a7d3e5b19c42'
down_revision = '3c9d1e7f5a20'
branch_labels = None
depends_on = None

CONSTRAINT = 'uq_supplier_invoices_number'
# Released for a few minutes with 3c9d1e7f5a20: one supplier per org.nr. The app has since
# allowed a second account for a known org.nr (with a warning), so a database that got it
# would refuse what the app means to store.
OLD_SUPPLIER_CONSTRAINT = 'uq_suppliers_company_orgnr'

DUPLICATE_COPIES = sa.text(
    "SELECT i.id, i.supplier_id, i.invoice_number, s.name FROM supplier_invoices i "
    "JOIN suppliers s ON s.id = i.supplier_id "
    "JOIN (SELECT supplier_id, invoice_number FROM supplier_invoices "
    "      GROUP BY supplier_id, invoice_number HAVING count(*) > 1) d "
    "  ON d.supplier_id = i.supplier_id AND d.invoice_number = i.invoice_number "
    "ORDER BY i.supplier_id, i.invoice_number, i.id"
)

audit_entries = sa.table(
    'audit_entries',
    sa.column('at', sa.DateTime(timezone=True)),
    sa.column('kind', sa.String),
    sa.column('actor', sa.String),
    sa.column('summary', sa.String),
)


def upgrade():
    # Earlier versions could store one invoice twice (the first release's demo did). Those rows
    # may have been paid, so they stay as they are; each extra copy gets a number of its own
    # (the oldest keeps 0) and a new invoice, always 0, still cannot repeat a number.
    with op.batch_alter_table('supplier_invoices', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('duplicate_number', sa.Integer(), server_default='0', nullable=False)
        )
    kept = _number_duplicate_copies(op.get_bind())
    inspector = sa.inspect(op.get_bind())
    existing = {c['name'] for c in inspector.get_unique_constraints('supplier_invoices')}
    with op.batch_alter_table('supplier_invoices', schema=None) as batch_op:
        if CONSTRAINT in existing:
            batch_op.drop_constraint(CONSTRAINT, type_='unique')
        batch_op.create_unique_constraint(
            CONSTRAINT, ['supplier_id', 'invoice_number', 'duplicate_number']
        )
    if OLD_SUPPLIER_CONSTRAINT in {c['name'] for c in inspector.get_unique_constraints('suppliers')}:
        with op.batch_alter_table('suppliers', schema=None) as batch_op:
            batch_op.drop_constraint(OLD_SUPPLIER_CONSTRAINT, type_='unique')
    if kept:
        op.bulk_insert(audit_entries, [{
            'at': datetime.now(UTC),
            'kind': 'upgrade',
            'actor': 'system',
            'summary': (
                "Uppgraderingen behöll fakturor som fanns flera gånger från samma leverantör "
                "(dubbletter från tidigare version, visas med flask --app app inyett "
                "invoice-duplicates): " + "; ".join(kept)
            )[:1000],
        }])


def _number_duplicate_copies(connection) -> list[str]:
    """Number every copy after the oldest 1, 2, …; return one line per invoice kept twice."""
    groups = {}
    for invoice_id, supplier_id, number, supplier_name in connection.execute(DUPLICATE_COPIES):
        groups.setdefault((supplier_id, number, supplier_name), []).append(invoice_id)
    for ids in groups.values():
        for copy, invoice_id in enumerate(ids[1:], start=1):
            connection.execute(
                sa.text("UPDATE supplier_invoices SET duplicate_number = :copy WHERE id = :id"),
                {'copy': copy, 'id': invoice_id},
            )
    return [
        f"{number} från {name} ({len(ids)} st, faktura-id {', '.join(map(str, ids))})"
        for (_supplier_id, number, name), ids in groups.items()
    ]


def downgrade():
    with op.batch_alter_table('supplier_invoices', schema=None) as batch_op:
        batch_op.drop_constraint(CONSTRAINT, type_='unique')
        batch_op.drop_column('duplicate_number')
    # As 3c9d1e7f5a20 left it: the two-column rule only where no duplicates were kept.
    duplicates = op.get_bind().execute(sa.text(
        "SELECT 1 FROM supplier_invoices GROUP BY supplier_id, invoice_number "
        "HAVING count(*) > 1"
    )).first()
    if duplicates is None:
        with op.batch_alter_table('supplier_invoices', schema=None) as batch_op:
            batch_op.create_unique_constraint(CONSTRAINT, ['supplier_id', 'invoice_number'])
