"""When each stream segment closed: its job skips a segment that waited too long.

Nullable: segments of streams open during the upgrade have none, and are transcribed.

Revision ID: 4b9e2f7a1c63
Revises: 8d3f1a6c2b57
Create Date: 2026-11-30 08:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '4b9e2f7a1c63'
down_revision = '8d3f1a6c2b57'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN: a batch rebuild on SQLite would drop the table's AUTOINCREMENT.
    op.add_column(
        'stream_segments', sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True)
    )


def downgrade():
    with op.batch_alter_table(
        'stream_segments', schema=None, table_kwargs={'sqlite_autoincrement': True}
    ) as batch_op:
        batch_op.drop_column('closed_at')
