"""Server-side sessions, a browser storage key per person, ids never reused.

- `sessions`: one row per signed-in session, holding the SHA-256 of its random token.
- `users.storage_key`: a random name for the person's data in the browser (outbox,
  progress), filled for existing accounts; `users.session_version` goes (sessions replace it).
- SQLite: `users` and `entries` are rebuilt with AUTOINCREMENT so a deleted id is never
  handed out again. (PostgreSQL's SERIAL sequences never reuse ids already.)

Every session signed before this migration ends with it: people sign in again once.

Revision ID: 7c2b9e4f1a30
Revises: 15e8d43740df
Create Date: 2026-12-02 10:00:00

"""
import secrets

import sqlalchemy as sa
from alembic import op


revision = '7c2b9e4f1a30'
down_revision = '15e8d43740df'
branch_labels = None
depends_on = None


def _fill_storage_keys():
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('storage_key', sa.String))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(users.c.id)).fetchall():
        connection.execute(
            users.update().where(users.c.id == user_id).values(storage_key=secrets.token_hex(16))
        )


def _sqlite():
    return op.get_bind().dialect.name == 'sqlite'


def _rebuild():
    # Only SQLite needs the copy-and-swap rebuild (it is how AUTOINCREMENT is set); on
    # PostgreSQL a rebuild would drop the primary key that entries' foreign key needs.
    return 'always' if _sqlite() else 'auto'


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('storage_key', sa.String(length=32), nullable=True))
    _fill_storage_keys()
    # recreate="always" rebuilds the SQLite table, which is how AUTOINCREMENT is added.
    with op.batch_alter_table(
        'users', schema=None, recreate=_rebuild(), table_kwargs={'sqlite_autoincrement': True}
    ) as batch_op:
        batch_op.alter_column('storage_key', existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_users_storage_key'), ['storage_key'])
        batch_op.drop_column('session_version')
    if _sqlite():
        with op.batch_alter_table(
            'entries', schema=None, recreate='always', table_kwargs={'sqlite_autoincrement': True}
        ):
            pass

    op.create_table('sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash'),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sessions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sessions_user_id'))
    op.drop_table('sessions')

    if _sqlite():
        with op.batch_alter_table(
            'entries', schema=None, recreate='always', table_kwargs={'sqlite_autoincrement': False}
        ):
            pass
    with op.batch_alter_table(
        'users', schema=None, recreate=_rebuild(), table_kwargs={'sqlite_autoincrement': False}
    ) as batch_op:
        batch_op.add_column(
            sa.Column('session_version', sa.Integer(), nullable=False, server_default='1')
        )
        batch_op.drop_constraint(batch_op.f('uq_users_storage_key'), type_='unique')
        batch_op.drop_column('storage_key')
