"""The journal's playable copy of a recording, made in the background.

A browser's WebM recording carries no duration (players show "0:00 / 0:00" and cannot
seek) and does not play on Apple devices. The job that transcribes an entry holds its
owner's data key: once the transcript is saved (a person waits for that, not for the
copy), the row keeps its job key a little longer and the job queues a copy job
(queue.COPY: it runs after any waiting transcription or segment). `convert_waiting`
decrypts the original into a private temporary file, encodes it as AAC in MP4 with the
index in front (speech/audio.encode_playable), seals the copy under the same key into
the store, and names it on the row with its exact duration, dropping the job key in the
same UPDATE. The original stays as it was.

Entries made before copies existed get theirs at the owner's next sign-in
(journal/playable.request_copies gives each a job key and queues its copy job). The
sweep finds rows waiting for a copy too: their transcription job, finding nothing to
transcribe, queues the copy job in its turn.

A failure here is logged and drops the key (the original is served until a copy
exists; the next sign-in asks again). A process killed while making a copy leaves the
key on the row, so the sweep queues the entry and another worker makes it; a file
written but not yet named on its row is one start-up recovery removes. Two workers
racing on one entry both encode; the second finds the copy attached and deletes its own.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import ColumnElement, and_, update
from sqlalchemy.exc import SQLAlchemyError

from ..accounts import keys
from ..errors import JournalDamaged
from ..extensions import db
from ..journal import recordings, sealed
from ..models import Entry, EntryKind, EntryStatus
from ..speech.audio import encode_playable, ffmpeg_exe
from ..speech.base import SpeechError
from ..speech.probe import probe

COPY_NAME = "playable.m4a"
ENDED = (EntryStatus.DONE, EntryStatus.FAILED)


def waiting_clause() -> ColumnElement[bool]:
    """Entries whose transcription has ended but that hold a job key for their copy."""
    return and_(
        Entry.kind == EntryKind.SPOKEN,
        Entry.status.in_(ENDED),
        Entry.job_key.is_not(None),
        Entry.playable_path.is_(None),
        Entry.recording_path.is_not(None),
    )


def waiting(entry_id: int) -> bool:
    """Whether the entry waits for its copy (and holds the key for it)."""
    found = db.session.scalar(db.select(Entry.id).where(Entry.id == entry_id, waiting_clause()))
    return found is not None


def make_copy(entry_id: int, owner_id: int, recording: str, data_key: bytes) -> str | None:
    """Make, seal and attach the entry's playable copy; its name, or None when it was not
    made (a failure, logged) or not needed (the entry is gone or has a copy by now)."""
    store = recordings.store()
    cipher = sealed.RecordingCipher(data_key)
    log = current_app.logger
    timeout = current_app.config["DECODE_TIMEOUT_SECONDS"]
    try:
        reader = store.open(recording, cipher)
        if reader is None:
            log.warning("entry %s: no recording file to copy", entry_id)
            return None
        with (
            sealed.plain_copy(reader) as original,
            tempfile.TemporaryDirectory(prefix="voiceguide-playable-") as folder,
        ):
            copy = Path(folder) / COPY_NAME
            encode_playable(str(original), str(copy), timeout=timeout)
            seconds = probe(ffmpeg_exe(), str(copy), "mp4").seconds
            # The shared lock from the file's first byte to the row's commit: recovery
            # never takes the new file for one without a row (journal/recovery.py).
            with store.writing():
                name = store.keep(owner_id, copy, cipher)
                if not _attach(entry_id, name, seconds):
                    store.delete(name)
                    return None
        return name
    except (SpeechError, JournalDamaged, OSError, SQLAlchemyError):
        db.session.rollback()
        log.warning("entry %s: the playable copy was not made", entry_id, exc_info=True)
        return None
    except Exception:  # a bug here must not cost the person their transcript
        db.session.rollback()
        log.exception("entry %s: unexpected error while making the playable copy", entry_id)
        return None


def _attach(entry_id: int, name: str, seconds: float | None) -> bool:
    """Name the copy on the row and drop the job key, unless the entry is gone or got a
    copy meanwhile."""
    values: dict[str, object] = {"playable_path": name, "job_key": None}
    if seconds is not None:
        values["duration_s"] = round(seconds, 2)
    try:
        result = db.session.execute(
            update(Entry)
            .where(Entry.id == entry_id, Entry.playable_path.is_(None))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def convert_waiting(entry_id: int) -> None:
    """Make the copy of an entry whose transcription has ended, if it holds a job key;
    the key goes when the copy is attached, or when it could not be made."""
    entry = db.session.get(Entry, entry_id, populate_existing=True)
    if entry is None or not waiting(entry_id):
        db.session.rollback()
        return
    wrapped, owner_id, recording = entry.job_key, entry.user_id, entry.recording_path
    db.session.rollback()  # no transaction held open while encoding
    try:
        data_key = keys.unwrap_for_job(wrapped, owner_id, entry_id)
    except keys.WrongKey:
        current_app.logger.error("entry %s: the copy's job key does not open", entry_id)
        data_key = None
    if (
        data_key is None
        or recording is None
        or make_copy(entry_id, owner_id, recording, data_key) is None
    ):
        _drop_key(entry_id, wrapped)


def _drop_key(entry_id: int, wrapped: bytes | None) -> None:
    """Take the job key off a row whose copy was not made, so it is not tried again and
    again (the key read must still be there: a newer one from a sign-in stays)."""
    try:
        db.session.execute(
            update(Entry)
            .where(Entry.id == entry_id, Entry.job_key == wrapped, waiting_clause())
            .values(job_key=None)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning("entry %s: could not drop the copy's key", entry_id)
