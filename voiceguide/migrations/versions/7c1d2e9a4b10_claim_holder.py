"""Entries record who holds a transcription claim (a dead holder's job is retried at once).

Revision ID: 7c1d2e9a4b10
Revises: 6b1f0c2d9a7e
Create Date: 2026-11-30 02:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c1d2e9a4b10'
down_revision = '6b1f0c2d9a7e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=160), nullable=True))


def downgrade():
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.drop_column('claimed_by')
