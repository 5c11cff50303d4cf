"""Journals encrypted at rest: wrapped data keys, sealed texts, keys for open jobs.

- `users`: the argon2id salt and cost, and the data key wrapped by the password and by
  the recovery key.
- `sessions`: the data key wrapped under the session's token; a recovery key waiting to
  be shown. Every session signed before this migration ends with it (it holds no key):
  people sign in again once, and that sign-in encrypts their journal.
- `entries`: sealed machine and corrected transcripts; the data key wrapped for an open
  transcription job. The plain columns stay until each owner's next sign-in empties them.

Revision ID: 9e4a1c7b2d58
Revises: 7c1d2e9a4b10
Create Date: 2026-11-30 03:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '9e4a1c7b2d58'
down_revision = '7c1d2e9a4b10'
branch_labels = None
depends_on = None


def upgrade():
    # Only nullable columns are added: SQLite adds them in place (no table rebuild).
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key_salt', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('key_params', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('dek_by_password', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('dek_by_recovery', sa.LargeBinary(), nullable=True))
    op.execute('DELETE FROM sessions')
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wrapped_key', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('pending_recovery', sa.LargeBinary(), nullable=True))
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('machine_sealed', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('corrected_sealed', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('job_key', sa.LargeBinary(), nullable=True))


def downgrade():
    # Sealed texts cannot be turned back without their owners' passwords: a downgrade
    # keeps only what was never encrypted, and the sessions end again.
    op.execute('DELETE FROM sessions')
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.drop_column('job_key')
        batch_op.drop_column('corrected_sealed')
        batch_op.drop_column('machine_sealed')
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_column('pending_recovery')
        batch_op.drop_column('wrapped_key')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('dek_by_recovery')
        batch_op.drop_column('dek_by_password')
        batch_op.drop_column('key_params')
        batch_op.drop_column('key_salt')
