"""batch first attempt

Revision ID: bdf2fd674784
Revises: 9918122a839b
Create Date: 2026-11-25 06:04:18.178876

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'bdf2fd674784'
down_revision = '9918122a839b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inyett_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_attempt_at', sa.DateTime(timezone=True), nullable=True))
    # Batches tried before this column existed may be held by Inyett: undo must delete them.
    op.execute(
        "UPDATE inyett_batches SET first_attempt_at = COALESCE(sent_at, created_at) "
        "WHERE sent_at IS NOT NULL OR attempts > 0"
    )


def downgrade():
    with op.batch_alter_table('inyett_batches', schema=None) as batch_op:
        batch_op.drop_column('first_attempt_at')
