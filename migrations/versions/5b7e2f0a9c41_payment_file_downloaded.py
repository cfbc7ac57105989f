"""payment file downloaded for the bank

Revision ID: 5b7e2f0a9c41
Revises: bdf2fd674784
Create Date: 2026-11-25 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '5b7e2f0a9c41'
down_revision = 'bdf2fd674784'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payment_files', schema=None) as batch_op:
        batch_op.add_column(sa.Column('downloaded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('downloaded_by', sa.String(length=80), nullable=True))


def downgrade():
    with op.batch_alter_table('payment_files', schema=None) as batch_op:
        batch_op.drop_column('downloaded_by')
        batch_op.drop_column('downloaded_at')
