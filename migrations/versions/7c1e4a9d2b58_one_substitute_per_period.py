"""one substitute per owner and period: a double click on Lägg till ersättare adds one

Revision ID: 7c1e4a9d2b58
Revises: b2c4e6f8a013
Create Date: 2026-12-02 00:20:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "7c1e4a9d2b58"
down_revision = "b2c4e6f8a013"
branch_labels = None
depends_on = None


def upgrade():
    # A double click before this index could store the same substitute for the same period
    # twice. The rows are identical but for the id, so keeping the first loses nothing: the
    # substitute's right is the same, and the audit log keeps both entries that added them.
    op.execute(
        "DELETE FROM substitutions WHERE id NOT IN ("
        "SELECT MIN(id) FROM substitutions "
        "GROUP BY owner_id, substitute_id, starts_on, ends_on)"
    )
    op.create_index(
        "uq_substitutions_period",
        "substitutions",
        ["owner_id", "substitute_id", "starts_on", "ends_on"],
        unique=True,
    )


def downgrade():
    op.drop_index("uq_substitutions_period", table_name="substitutions")
