"""e-mail notices: users' addresses and choice, the notices outbox, files told about

Revision ID: b3e9a4c7d215
Revises: b6c4e2a8d1f3
Create Date: 2026-12-01 22:05:00.000000

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "b3e9a4c7d215"
down_revision = "b6c4e2a8d1f3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch_op.add_column(
            sa.Column("notices_enabled", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("payment_files", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ready_noticed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_payment_files_ready_noticed_at"), ["ready_noticed_at"], unique=False
        )
    # Files from before the upgrade count as told about: nobody had an address yet, and the
    # first round after the upgrade must not mail about every old file.
    op.execute(
        "UPDATE payment_files SET ready_noticed_at = created_at WHERE ready_noticed_at IS NULL"
    )
    # A new table: nothing to carry over.
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.String(length=4000), nullable=False),
        sa.Column("once_key", sa.String(length=120), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=40), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("once_key"),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notices_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notices_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_notices_next_attempt_at"), ["next_attempt_at"], unique=False
        )


def downgrade():
    op.drop_table("notices")
    with op.batch_alter_table("payment_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_files_ready_noticed_at"))
        batch_op.drop_column("ready_noticed_at")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("notices_enabled")
        batch_op.drop_column("email")
