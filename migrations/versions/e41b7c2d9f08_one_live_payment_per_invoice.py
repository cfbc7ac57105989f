"""one live payment per invoice, in the database

Revision ID: e41b7c2d9f08
Revises: 3c9d1e7f5a20
Create Date: 2026-12-01 21:00:00.000000

"""
from datetime import UTC
from datetime import datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e41b7c2d9f08'
down_revision = '3c9d1e7f5a20'
branch_labels = None
depends_on = None

CONSTRAINT = 'uq_payments_live_invoice'
FOREIGN_KEY = 'fk_payments_live_invoice_id'
LIVE = "status != 'undone'"


def upgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('live_invoice_id', sa.Integer(), nullable=True))
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
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_unique_constraint(CONSTRAINT, ['live_invoice_id'])
        batch_op.create_foreign_key(
            FOREIGN_KEY, 'supplier_invoices', ['live_invoice_id'], ['id']
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
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint(FOREIGN_KEY, type_='foreignkey')
        batch_op.drop_constraint(CONSTRAINT, type_='unique')
        batch_op.drop_column('live_invoice_id')
