"""Start-up recovery of the recordings folder: remove what a killed process left behind.

Three kinds of leftovers: `.upload-*.part` files (killed while receiving), recording
files without a row (killed after the file was renamed into place but before its row
was committed), and the chunk folders of streamed answers that are no longer open
(killed after a stream's closing was committed, before its chunks were removed). None
holds anything unacknowledged: a row is committed before any 2xx, and the chunks of a
closed stream are in its entry's recording. An open stream's chunks are never touched:
each chunk is written and counted under the same shared lock as an upload. A row owns
two files: its recording and the recording's playable copy (jobs/playable.py writes the
copy under the same shared lock, until its row names it).

Why removing them cannot lose an answer being saved right now by another process: every
upload holds the store's shared lock from its first byte on disk until its row is
committed (journal/entries.py), and this runs only while holding the exclusive lock.
So at the moment the files are listed and the rows looked up, no process is between
writing a file and committing its row; a file without a row then can never get one.
If another process is mid-upload the lock is not granted within `wait_s`, and recovery
waits for the next start (or a later call) rather than guessing.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import AnswerStream, Entry
from .recordings import store

BATCH = 500


@dataclass(frozen=True)
class Removed:
    """What recovery removed."""

    partial: int
    orphans: int
    streams: int = 0
    """Chunk folders of streams that are closed or gone."""


def remove_leftovers(wait_s: float = 10.0) -> Removed | None:
    """Remove partial uploads and recordings without a row; None when uploads kept the lock."""
    recordings = store()
    with recordings.exclusive(wait_s) as held:
        if not held:
            current_app.logger.info("recovery skipped: uploads in progress")
            return None
        partial = recordings.sweep_partial_uploads(max_age_s=0)
        names = recordings.names()
        known: set[str] = set()
        for start in range(0, len(names), BATCH):
            batch = names[start : start + BATCH]
            # A row owns its recording and the recording's playable copy.
            for column in (Entry.recording_path, Entry.playable_path):
                known.update(
                    path
                    for path in db.session.scalars(select(column).where(column.in_(batch)))
                    if path is not None
                )
        db.session.rollback()  # end the read before the lock goes
        orphans = [name for name in names if name not in known]
        for name in orphans:
            recordings.delete(name)
        closed = _closed_stream_folders(recordings.stream_folders())
        for owner_id, stream_id in closed:
            recordings.delete_stream(owner_id, stream_id)
    if partial or orphans or closed:
        current_app.logger.warning(
            "recovery: removed %s partial uploads, %s recordings without a row "
            "and %s chunk folders of closed streams",
            partial,
            len(orphans),
            len(closed),
        )
    return Removed(partial=partial, orphans=len(orphans), streams=len(closed))


def _closed_stream_folders(folders: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The (owner, stream) folders whose stream is not open (closed, or its row gone)."""
    open_ids: set[int] = set()
    ids = [stream_id for _, stream_id in folders]
    for start in range(0, len(ids), BATCH):
        open_ids.update(
            db.session.scalars(
                select(AnswerStream.id).where(
                    AnswerStream.id.in_(ids[start : start + BATCH]),
                    AnswerStream.open_key.is_not(None),
                )
            )
        )
    db.session.rollback()
    return [(owner, stream_id) for owner, stream_id in folders if stream_id not in open_ids]
