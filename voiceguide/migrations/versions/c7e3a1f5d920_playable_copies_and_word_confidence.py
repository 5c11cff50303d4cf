"""The journal's playable copy of each recording, and the recogniser's word confidences.

Both columns are nullable and start empty: old entries are served their original
recording until a copy is made (at their owner's next sign-in), and have no word marks.

Revision ID: c7e3a1f5d920
Revises: b2d4f6a8c013
Create Date: 2026-11-30 05:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = 'c7e3a1f5d920'
down_revision = 'b2d4f6a8c013'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable columns: SQLite adds them in place (no table rebuild).
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('playable_path', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('words_sealed', sa.LargeBinary(), nullable=True))


def downgrade():
    # The copies' files stay on disk without a row: start-up recovery removes them.
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.drop_column('words_sealed')
        batch_op.drop_column('playable_path')
