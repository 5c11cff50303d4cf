"""Streamed answers: the answer_streams and stream_segments tables, and entries.interrupted.

A stream keeps its data key wrapped for its jobs (job_key) and its segments' texts sealed
(text_sealed), like entries since 9e4a1c7b2d58.

Revision ID: 8d3f1a6c2b57
Revises: c7e3a1f5d920
Create Date: 2026-11-30 03:30:00.000000

"""
from alembic import op
import sqlalchemy as sa



revision = '8d3f1a6c2b57'
down_revision = 'c7e3a1f5d920'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'answer_streams',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.String(length=36), nullable=False),
        sa.Column('stage', sa.String(length=64), nullable=False),
        sa.Column('prompt', sa.String(length=64), nullable=False),
        sa.Column('open_key', sa.String(length=130), nullable=True),
        sa.Column('chunks', sa.Integer(), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_chunk_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=True),
        sa.Column('job_key', sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'client_id', name='uq_answer_streams_user_client'),
        sa.UniqueConstraint('user_id', 'open_key', name='uq_answer_streams_user_open'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('answer_streams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_streams_user_id'), ['user_id'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_answer_streams_last_chunk_at'), ['last_chunk_at'], unique=False
        )
    op.create_table(
        'stream_segments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('stream_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('start_s', sa.Double(), nullable=False),
        sa.Column('end_s', sa.Double(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('text_sealed', sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(['stream_id'], ['answer_streams.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('stream_id', 'number', name='uq_stream_segments_stream_number'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('stream_segments', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_stream_segments_stream_id'), ['stream_id'], unique=False
        )
    # A plain ADD COLUMN (SQLite allows it with a default): a batch rebuild of the
    # table on SQLite would drop its AUTOINCREMENT.
    op.add_column(
        'entries',
        sa.Column('interrupted', sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade():
    with op.batch_alter_table(
        'entries', schema=None, table_kwargs={'sqlite_autoincrement': True}
    ) as batch_op:
        batch_op.drop_column('interrupted')
    op.drop_table('stream_segments')
    op.drop_table('answer_streams')
