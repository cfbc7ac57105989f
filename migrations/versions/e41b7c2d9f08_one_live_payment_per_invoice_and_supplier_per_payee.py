"""one live payment per invoice and one supplier per payee, in the database

Revision ID: e41b7c2d9f08
Revises: 4e8b1c6d2f90
Create Date: 2026-12-01 21:00:00.000000

"""
from datetime import UTC
from datetime import datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e41b7c2d9f08'
down_revision = '4e8b1c6d2f90'
branch_labels = None
depends_on = None

LIVE_INVOICE_INDEX = 'ix_payments_live_invoice_id'
SUPPLIER_INDEX = 'uq_suppliers_payee'
LIVE = "status != 'undone'"


# Columns are added and unique indexes created in place, never by copying a table as batch
# mode does on SQLite: dropping the old copy of a table that other rows point at would break
# their foreign keys.
def upgrade():
    op.add_column('payments', sa.Column('live_invoice_id', sa.Integer(), nullable=True))
    connection = op.get_bind()
    # Where two live payments of one invoice already exist (two payers at the same moment,
    # before the database held the rule), the oldest keeps the invoice. Nothing is undone
    # here: which one the bank should pay is for a person to decide.
    connection.execute(sa.text(
        "UPDATE payments SET live_invoice_id = invoice_id WHERE " + LIVE + " AND id = "
        "(SELECT min(older.id) FROM payments older "
        "WHERE older.invoice_id = payments.invoice_id AND older." + LIVE + ")"
    ))
    _report_payments_sharing_an_invoice(connection)
    op.create_index(LIVE_INVOICE_INDEX, 'payments', ['live_invoice_id'], unique=True)
    _one_supplier_per_payee(connection)


SAME_PAYEE = (
    "older.company_id = suppliers.company_id AND older.country = suppliers.country "
    "AND older.account_type = suppliers.account_type AND older.account = suppliers.account "
    "AND coalesce(older.orgnr, '') = coalesce(suppliers.orgnr, '')"
)


def _one_supplier_per_payee(connection) -> None:
    op.add_column('suppliers', sa.Column(
        'known_duplicate', sa.Boolean(), nullable=False, server_default=sa.false()
    ))
    # Copies already stored (a double click on Lägg till, two imports at once) stay, as
    # invoices may point at them; they are marked, left out of the rule, and named for the
    # admin, who can check that no invoice is in the ledger once per copy.
    connection.execute(sa.text(
        "UPDATE suppliers SET known_duplicate = true WHERE EXISTS (SELECT 1 FROM suppliers "
        "older WHERE " + SAME_PAYEE + " AND older.id < suppliers.id)"
    ))
    copies = connection.execute(sa.text(
        "SELECT suppliers.name, suppliers.id, "
        "(SELECT min(older.id) FROM suppliers older WHERE " + SAME_PAYEE + ") AS first_id "
        "FROM suppliers WHERE known_duplicate ORDER BY suppliers.id"
    )).all()
    if copies:
        _audit(
            connection,
            "Vid uppgraderingen fanns leverantörer inlagda mer än en gång, med samma "
            "organisationsnummer och konto; kontrollera att ingen faktura finns på båda: "
            + "; ".join(f"{row.name} (id {row.id}, kopia av id {row.first_id})" for row in copies),
        )
    op.create_index(
        SUPPLIER_INDEX,
        'suppliers',
        ['company_id', 'country', 'account_type', 'account', sa.text("coalesce(orgnr, '')")],
        unique=True,
        sqlite_where=sa.text('NOT known_duplicate'),
        postgresql_where=sa.text('NOT known_duplicate'),
    )


def _report_payments_sharing_an_invoice(connection) -> None:
    """Say in Händelselogg which payments pay the same invoice, rather than stop the upgrade."""
    rows = connection.execute(sa.text(
        "SELECT invoice_id, invoice_number, supplier_name, external_id FROM payments "
        "WHERE " + LIVE + " AND invoice_id IN (SELECT invoice_id FROM payments WHERE " + LIVE
        + " GROUP BY invoice_id HAVING count(*) > 1) ORDER BY invoice_id, id"
    )).all()
    if not rows:
        return
    by_invoice: dict[int, list] = {}
    for row in rows:
        by_invoice.setdefault(row.invoice_id, []).append(row)
    summary = (
        "Vid uppgraderingen låg fakturor i mer än en betalning som inte är ångrad. "
        "Ångra de betalningar som inte ska betalas: "
        + "; ".join(
            f"faktura {same[0].invoice_number} från {same[0].supplier_name}: "
            + ", ".join(row.external_id for row in same)
            for same in by_invoice.values()
        )
    )
    _audit(connection, summary)


def _audit(connection, summary: str) -> None:
    """An entry in Händelselogg, so that an admin sees what the upgrade found."""
    audit_entries = sa.table(
        'audit_entries',
        sa.column('at', sa.DateTime(timezone=True)),
        sa.column('kind', sa.String),
        sa.column('actor', sa.String),
        sa.column('summary', sa.String),
    )
    connection.execute(
        audit_entries.insert().values(
            at=datetime.now(UTC), kind='upgrade', actor='system', summary=summary[:1000]
        )
    )


def downgrade():
    op.drop_index(SUPPLIER_INDEX, table_name='suppliers')
    op.drop_index(LIVE_INVOICE_INDEX, table_name='payments')
    # Batch mode here: SQLite drops a column by copying the table.
    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        batch_op.drop_column('known_duplicate')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_column('live_invoice_id')
