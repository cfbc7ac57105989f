"""service status: the sender's heartbeat and Inyett's last answer, for the health check

Revision ID: e4a7c2b91d05
Revises: a7d3e5b19c42
Create Date: 2026-12-01 21:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'e4a7c2b91d05'
down_revision = 'a7d3e5b19c42'
branch_labels = None
depends_on = None


def upgrade():
    # A new table: no existing data to carry over. The rows appear when the sender first runs.
    op.create_table('service_status',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade():
    op.drop_table('service_status')
