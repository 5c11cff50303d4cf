"""When a person checked a machine transcript ("Looks right", or a correction).

Entries already corrected count as checked; the others are marked for checking.

Revision ID: b2d4f6a8c013
Revises: 9e4a1c7b2d58
Create Date: 2026-11-30 03:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = 'b2d4f6a8c013'
down_revision = '9e4a1c7b2d58'
branch_labels = None
depends_on = None


def upgrade():
    # A nullable column: SQLite adds it in place (no table rebuild).
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(
        'UPDATE entries SET checked_at = created_at '
        'WHERE corrected_sealed IS NOT NULL OR corrected_transcript IS NOT NULL'
    )


def downgrade():
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.drop_column('checked_at')
