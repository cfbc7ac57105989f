"""payee accounts under four-eyes control: each supplier's accounts, approved by a second person

Revision ID: b2c4e6f8a013
Revises: 5d2f8a1c7b3e
Create Date: 2026-12-01 22:00:00.000000

"""

import warnings

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "b2c4e6f8a013"
down_revision = "5d2f8a1c7b3e"
branch_labels = None
depends_on = None

BEFORE_THE_CONTROL = "Fanns före kontrollen av mottagarkonton"


def upgrade():
    op.create_table(
        "payee_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("account_type", sa.String(length=4), nullable=False),
        sa.Column("account", sa.String(length=34), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=True),
        sa.Column("street", sa.String(length=70), nullable=True),
        sa.Column("post_code", sa.String(length=16), nullable=True),
        sa.Column("town", sa.String(length=35), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("entered_by", sa.String(length=80), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.String(length=80), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approval_note", sa.String(length=500), nullable=True),
        sa.Column("shared_confirmed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["supplier_id"], ["suppliers.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("payee_accounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payee_accounts_supplier_id"), ["supplier_id"], unique=False
        )
        batch_op.create_index(
            "uq_payee_accounts_current",
            ["supplier_id"],
            unique=True,
            sqlite_where=sa.text("state != 'replaced'"),
            postgresql_where=sa.text("state != 'replaced'"),
        )
    # In place, never by copying the table as batch mode does on SQLite (see e41b7c2d9f08):
    # SQLite adds a column with its reference in one statement, but cannot add a constraint.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE payments ADD COLUMN payee_account_id INTEGER "
            "REFERENCES payee_accounts (id)"
        )
    else:
        op.add_column("payments", sa.Column("payee_account_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_payments_payee_account_id",
            "payments",
            "payee_accounts",
            ["payee_account_id"],
            ["id"],
        )
    op.create_index("ix_payments_payee_account_id", "payments", ["payee_account_id"])
    # Every supplier already on file has been paid to its account without this control:
    # stopping them all on upgrade would stop every payment, so they count as approved, and
    # say so, by the migration itself.
    op.execute(
        sa.text(
            "INSERT INTO payee_accounts (supplier_id, account_type, account, bic, street, "
            "post_code, town, state, entered_by, entered_at, approved_by, approved_at, "
            "approval_note, shared_confirmed) "
            "SELECT id, account_type, account, bic, street, post_code, town, 'approved', "
            "'uppgradering', CURRENT_TIMESTAMP, 'uppgradering', CURRENT_TIMESTAMP, :note, "
            ":false FROM suppliers"
        ).bindparams(note=BEFORE_THE_CONTROL, false=False)
    )
    approved = op.get_bind().scalar(sa.text("SELECT count(*) FROM payee_accounts"))
    if approved:
        # In the Händelselogg, like every other approval.
        op.execute(
            sa.text(
                "INSERT INTO audit_entries (at, kind, actor, summary) "
                "VALUES (CURRENT_TIMESTAMP, 'payee_account', 'uppgradering', :summary)"
            ).bindparams(
                summary=f"Mottagarkontona för {approved} leverantörer godkändes av "
                f"uppgraderingen: {BEFORE_THE_CONTROL}"
            )
        )


def downgrade():
    op.drop_index("ix_payments_payee_account_id", table_name="payments")
    # Batch mode here: SQLite drops a column by copying the table. Reflecting it reaches the
    # suppliers' expression index, which batch mode does not need and warns about.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        with op.batch_alter_table("payments", schema=None) as batch_op:
            batch_op.drop_column("payee_account_id")
    with op.batch_alter_table("payee_accounts", schema=None) as batch_op:
        batch_op.drop_index("uq_payee_accounts_current")
        batch_op.drop_index(batch_op.f("ix_payee_accounts_supplier_id"))
    op.drop_table("payee_accounts")
