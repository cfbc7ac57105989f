"""user session generation: logging out ends every session of the user

Revision ID: 6d2a8c4e1b37
Revises: e4a7c2b91d05
Create Date: 2026-12-01 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '6d2a8c4e1b37'
down_revision = 'e4a7c2b91d05'
branch_labels = None
depends_on = None


def upgrade():
    # Existing users start at 0; sessions opened before the upgrade carry no generation and
    # end once, which asks everyone to log in again after it.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
