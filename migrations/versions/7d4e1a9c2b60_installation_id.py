"""installation id, part of every id sent to Inyett

Revision ID: 7d4e1a9c2b60
Revises: 6d2a8c4e1b37
Create Date: 2026-12-01 21:00:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '7d4e1a9c2b60'
down_revision = '6d2a8c4e1b37'
branch_labels = None
depends_on = None

# As inyett/ids.py makes them (a migration never imports the app): Crockford's base32.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def upgrade():
    with op.batch_alter_table('inyett_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('installation_id', sa.String(length=5), nullable=True))
    settings = sa.table('inyett_settings', sa.column('id'), sa.column('installation_id'))
    connection = op.get_bind()
    # Each existing installation gets an id of its own, drawn here: two installations upgraded
    # from copies of one database must not share it.
    for (row_id,) in connection.execute(sa.select(settings.c.id)).all():
        connection.execute(
            settings.update()
            .where(settings.c.id == row_id)
            .values(installation_id="".join(secrets.choice(ALPHABET) for _ in range(5)))
        )
    with op.batch_alter_table('inyett_settings', schema=None) as batch_op:
        batch_op.alter_column('installation_id', existing_type=sa.String(length=5), nullable=False)


def downgrade():
    with op.batch_alter_table('inyett_settings', schema=None) as batch_op:
        batch_op.drop_column('installation_id')
