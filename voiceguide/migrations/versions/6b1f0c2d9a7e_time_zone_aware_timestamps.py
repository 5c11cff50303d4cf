"""Time-zone-aware timestamps (timestamptz on PostgreSQL).

The stored values were naive UTC, so they are read as UTC. SQLite keeps no zone in
either form, so nothing changes there (and no table is copied).

Revision ID: 6b1f0c2d9a7e
Revises: 7c2b9e4f1a30
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6b1f0c2d9a7e'
down_revision = '7c2b9e4f1a30'
branch_labels = None
depends_on = None

COLUMNS = [
    ('users', 'created_at'), ('entries', 'created_at'), ('entries', 'started_at'),
    ('sessions', 'created_at'), ('sessions', 'last_seen_at'),
]


def _retype(aware: bool) -> None:
    if op.get_bind().dialect.name == 'sqlite':
        return
    for table, column in COLUMNS:
        op.alter_column(
            table, column,
            type_=sa.DateTime(timezone=aware),
            existing_type=sa.DateTime(timezone=not aware),
            postgresql_using=f"{column} AT TIME ZONE 'UTC'",
        )


def upgrade():
    _retype(aware=True)


def downgrade():
    _retype(aware=False)
