"""What the journal plays: a recording's playable copy (AAC in MP4) once it is made.

The copy is made in the background by the transcription job (jobs/playable.py); until
then, and for an entry whose copy could not be made, the original is played. Entries
made before copies existed get a job for theirs at the owner's next sign-in
(`request_copies`): only then is their data key at hand.
"""

from __future__ import annotations

import io

from sqlalchemy import select

from ..accounts import keys
from ..accounts.sessions import session_key
from ..extensions import db
from ..jobs import queue
from ..models import Entry, EntryKind, EntryStatus, User
from . import recordings, sealed

PLAYABLE_MIMETYPE = "audio/mp4"
"""The copy's content type (AAC in MP4), which Safari plays; not audio/x-m4a."""
PLAYABLE_EXTENSION = ".m4a"


def listening_copy(entry: Entry) -> tuple[str, str] | None:
    """(store name, content type) of what the journal plays: the playable copy once the job
    has made it, else the original; None without a recording file."""
    store = recordings.store()
    if entry.playable_path and store.find(entry.playable_path) is not None:
        return entry.playable_path, PLAYABLE_MIMETYPE
    if entry.recording_path and store.find(entry.recording_path) is not None:
        return entry.recording_path, entry.recording_mimetype or "application/octet-stream"
    return None


def open_playing(entry: Entry) -> tuple[io.RawIOBase, str] | None:
    """What the journal plays, decrypted as it is read (seekable), for its owner only,
    with its content type; None without a recording. JournalDamaged, when read, for a
    changed file."""
    found = listening_copy(entry)
    if found is None:
        return None
    cipher = sealed.RecordingCipher(session_key(entry.owner))
    reader = recordings.store().open(found[0], cipher)
    return (reader, found[1]) if reader is not None else None


def request_copies(user: User, data_key: bytes) -> int:
    """Give each of the person's ended spoken entries without a copy a job key, and queue
    their jobs (at sign-in, the one moment the key is at hand); return how many.

    The key is wrapped for the job exactly as at upload, and the job takes it off the row
    before it works; nothing else changes on the entries.
    """
    waiting = list(
        db.session.scalars(
            select(Entry).where(
                Entry.user_id == user.id,
                Entry.kind == EntryKind.SPOKEN,
                Entry.status.in_((EntryStatus.DONE, EntryStatus.FAILED)),
                Entry.playable_path.is_(None),
                Entry.recording_path.is_not(None),
                Entry.job_key.is_(None),
            )
        )
    )
    for entry in waiting:
        entry.job_key = keys.wrap_for_job(data_key, user.id, entry.id)
    db.session.commit()
    for entry in waiting:
        queue.enqueue_copy(entry.id)
    return len(waiting)
