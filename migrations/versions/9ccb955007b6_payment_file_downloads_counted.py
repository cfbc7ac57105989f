"""payment file downloads counted, with the last one's time and user

Revision ID: 9ccb955007b6
Revises: e41b7c2d9f08
Create Date: 2026-12-01 22:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '9ccb955007b6'
down_revision = 'e41b7c2d9f08'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payment_files', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('download_count', sa.Integer(), server_default='0', nullable=False)
        )
        batch_op.add_column(
            sa.Column('last_downloaded_at', sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column('last_downloaded_by', sa.String(length=80), nullable=True))
    # A file downloaded before the upgrade was downloaded at least once, and the first download
    # is the only one stored; the Händelselogg keeps any later ones. Counting it once is enough
    # for a new download to ask for the confirmation, naming that download.
    op.execute(
        "UPDATE payment_files SET download_count = 1, last_downloaded_at = downloaded_at, "
        "last_downloaded_by = downloaded_by WHERE downloaded_at IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table('payment_files', schema=None) as batch_op:
        batch_op.drop_column('last_downloaded_by')
        batch_op.drop_column('last_downloaded_at')
        batch_op.drop_column('download_count')
