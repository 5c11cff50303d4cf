"""The transcription job: each entry is its own job (pending -> processing -> done/failed).

`transcribe_entry(entry_id)` is a plain function of an id, safe to run twice or
concurrently: it claims the row atomically first, recording who holds the claim, so
that a job whose holder died is retried at once rather than when it goes stale. Any
queue backend calls it unchanged; `queue.enqueue` is the one place that hands work to
whichever runs it.

The job opens the recording with the data key wrapped for it at upload under the server
job key (accounts/keys.py), decrypts it into a private temporary file for ffmpeg, and
seals the transcript and the recogniser's word confidences (journal/confidence.py). Once
the transcript is saved, it queues the journal's playable copy as a job of its own
(jobs/playable.py); the wrapped key is erased when the copy is attached or could not be
made, and at once for any other outcome.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from ..accounts import keys
from ..errors import JournalDamaged
from ..extensions import db
from ..journal import confidence, recordings, sealed, streams
from ..models import Entry, EntryKind, EntryStatus, utcnow
from ..speech.audio import decode_file
from ..speech.base import (
    AudioDecodeError,
    EngineUnavailableError,
    NoSpeechError,
    Pcm,
    SetupError,
    SpeechError,
)
from . import holder, playable, queue, segments

UNREACHABLE = "The speech service could not be reached. Please try again later."
WAITING = "The speech service could not be reached; trying again shortly."
UNDECODABLE = "The recording could not be decoded as audio."
LOCKED = (
    "The recording could not be opened for transcription (its key was missing or changed). "
    "Please try again."
)
NOT_SET_UP = "The speech engine is not set up on this server. Please try again later."
FAILED = "The recording could not be transcribed. Please try again."
DB_RETRY_DELAY = 5.0
"""Seconds before a job that the database refused (locked, full) runs again."""


def transcribe_entry(entry_id: int) -> None:
    """Transcribe one spoken entry if it is due; otherwise do nothing (safe to run twice)."""
    try:
        token = _claim(entry_id)
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning("entry %s: the database refused the claim; later", entry_id)
        queue.enqueue(entry_id, delay=DB_RETRY_DELAY)
        return
    if token is None:  # nothing to transcribe; perhaps a copy to make, in its turn
        if playable.waiting(entry_id):
            queue.enqueue_copy(entry_id)
        db.session.rollback()
        return
    entry = db.session.get(Entry, entry_id, populate_existing=True)
    if entry is None:  # deleted in between
        return
    log = current_app.logger
    data_key: bytes | None = None
    began = time.perf_counter()
    # Read now: the row may go meanwhile.
    waited = (token - entry.created_at).total_seconds()
    wants_copy = entry.playable_path is None and entry.recording_path is not None
    try:
        if entry.owner.dek_by_password is not None:
            data_key = keys.unwrap_for_job(entry.job_key, entry.user_id, entry.id)
        pcm = _decode(entry, data_key)
        heard = segments.transcribe_after_segments(entry, pcm, data_key)
    except keys.WrongKey:
        log.error("entry %s: the job's wrapped key is missing or does not open", entry_id)
        _finish(entry_id, token, status=EntryStatus.FAILED, error=LOCKED)
    except JournalDamaged as e:  # logged where it was found (journal/sealed.py)
        _finish(entry_id, token, status=EntryStatus.FAILED, error=e.message)
    except NoSpeechError as e:  # the recording itself is fine: the journal plays it
        _finish(entry_id, token, keep_key=wants_copy, status=EntryStatus.FAILED, error=str(e))
    except EngineUnavailableError as e:
        attempts = current_app.config["TRANSCRIBE_MAX_ATTEMPTS"]
        if entry.attempts < attempts:
            delay = current_app.config["TRANSCRIBE_RETRY_DELAY"] * 2 ** (entry.attempts - 1)
            log.warning(
                "entry %s: attempt %s: %s; next in %.0f s", entry_id, entry.attempts, e, delay
            )
            if _finish(entry_id, token, status=EntryStatus.PENDING, error=WAITING):
                queue.enqueue(entry_id, delay=delay)
        else:
            log.warning("entry %s: %s; giving up after %s attempts", entry_id, e, attempts)
            _finish(entry_id, token, status=EntryStatus.FAILED, error=UNREACHABLE)
    except AudioDecodeError:
        _finish(entry_id, token, status=EntryStatus.FAILED, error=UNDECODABLE)
    except SetupError:
        log.exception("entry %s: the speech engine cannot be built", entry_id)
        _finish(entry_id, token, status=EntryStatus.FAILED, error=NOT_SET_UP)
    except SpeechError:
        log.exception("entry %s: transcription failed", entry_id)
        _finish(entry_id, token, status=EntryStatus.FAILED, error=FAILED)
    except Exception:
        # A bug must not leave the entry "processing" until it goes stale.
        log.exception("entry %s: unexpected error while transcribing", entry_id)
        db.session.rollback()
        _finish(entry_id, token, status=EntryStatus.FAILED, error=FAILED)
    else:
        # For operators and scripts/load_test.py: the queue wait and the job's own time.
        log.info("entry %s transcribed: waited %.2f s, ran %.2f s for %.1f s of audio",
                 entry_id, waited, time.perf_counter() - began, pcm.seconds)  # fmt: skip
        text = heard.text
        if data_key is None:
            data_key = _key_given_meanwhile(entry)
        if data_key is None:  # a journal kept before encryption, until its owner signs in
            finished = _finish(
                entry_id, token, status=EntryStatus.DONE, plain_machine=text, error=None
            )
        else:
            machine = sealed.seal_text(data_key, entry_id, "machine", text)
            words = confidence.seal_words(data_key, entry_id, text, heard.words, heard.words_from)
            finished = _finish(entry_id, token, keep_key=wants_copy, status=EntryStatus.DONE,
                               machine_sealed=machine, words_sealed=words, error=None)  # fmt: skip
        if finished:
            segments.forget_segments(entry)
    # The transcript is out; the journal's playable copy is a job of its own, which runs
    # after any waiting transcription (queue.PRIORITY) while the row still holds the job
    # key (jobs/playable.py): people wait for words, not for AAC.
    if wants_copy:
        queue.enqueue_copy(entry_id)


def _key_given_meanwhile(entry: Entry) -> bytes | None:
    """The data key, when the owner's sign-in encrypted the journal while this job ran
    (journal/sealing.py gives open jobs a key): the transcript is then sealed, not plain."""
    db.session.refresh(entry)
    if entry.job_key is None:
        return None
    try:
        return keys.unwrap_for_job(entry.job_key, entry.user_id, entry.id)
    except keys.WrongKey:
        return None


def _decode(entry: Entry, data_key: bytes | None) -> Pcm:
    """The entry's recording as PCM: a sealed one is decrypted into a private temporary
    file first (ffmpeg seeks in some containers, so a pipe would not do)."""
    config = current_app.config
    limits = {
        "max_seconds": config["MAX_RECORDING_SECONDS"],
        "timeout": config["DECODE_TIMEOUT_SECONDS"],
    }
    store = recordings.store()
    if data_key is None:
        path = store.path(entry.recording_path or "")
        if path is None:
            raise AudioDecodeError("The recording's file name is not valid.")
        return decode_file(str(path), **limits)
    reader = store.open(entry.recording_path, sealed.RecordingCipher(data_key))
    if reader is None:
        raise AudioDecodeError("The recording's file is missing.")
    with sealed.plain_copy(reader) as path:
        return decode_file(str(path), **limits)


def due_entry_ids() -> list[int]:
    """Spoken entries waiting: pending, or processing so long ago that the worker died;
    and ended ones holding a key for their playable copy (jobs/playable.py).

    Entries claimed by a process of this host that no longer runs go back first, and
    streamed answers left without a finish become (interrupted) entries first.
    """
    release_dead_claims()
    streams.close_idle_streams()
    due = or_(_due_clause(), playable.waiting_clause())
    rows = db.session.scalars(select(Entry.id).where(due).order_by(Entry.created_at, Entry.id))
    return list(rows)


def release_claims(entry_ids: list[int]) -> None:
    """Put entries this process was transcribing back to pending (it is exiting)."""
    db.session.execute(
        update(Entry)
        .where(Entry.id.in_(entry_ids), Entry.status == EntryStatus.PROCESSING)
        .values(status=EntryStatus.PENDING, attempts=Entry.attempts - 1, claimed_by=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def release_dead_claims() -> int:
    """Hand back at once the entries whose claim holder is certainly dead; return how many.

    Only holders on this host can be checked (jobs/holder.py); the rest wait for the
    stale timeout. The attempt a dead holder made still counts.
    """
    holders = db.session.scalars(
        select(Entry.claimed_by)
        .where(Entry.status == EntryStatus.PROCESSING, Entry.claimed_by.is_not(None))
        .distinct()
    )
    released = 0
    for name in list(holders):
        if name is None or holder.is_alive(name) is not False:
            continue
        result = db.session.execute(
            update(Entry)
            .where(Entry.status == EntryStatus.PROCESSING, Entry.claimed_by == name)
            .values(status=EntryStatus.PENDING, claimed_by=None)
            .execution_options(synchronize_session=False)
        )
        released += result.rowcount  # type: ignore[attr-defined]
    db.session.commit()
    if released:
        current_app.logger.warning("handed back %s entries of dead processes", released)
    return released


def _due_clause() -> ColumnElement[bool]:
    cutoff = utcnow() - timedelta(seconds=current_app.config["TRANSCRIBE_STALE_SECONDS"])
    return and_(
        Entry.kind == EntryKind.SPOKEN,
        or_(
            Entry.status == EntryStatus.PENDING,
            and_(Entry.status == EntryStatus.PROCESSING, Entry.started_at < cutoff),
        ),
    )


def _claim(entry_id: int) -> datetime | None:
    """Mark the entry processing if it is due; its new started_at is the claim's token.

    One UPDATE ... WHERE due: atomic on SQLite and PostgreSQL alike, so that of two
    workers claiming at once exactly one changes the row.
    """
    now = utcnow()
    result = db.session.execute(
        update(Entry)
        .where(Entry.id == entry_id, _due_clause())
        .values(
            status=EntryStatus.PROCESSING,
            started_at=now,
            attempts=Entry.attempts + 1,
            claimed_by=holder.this_process(),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return now if result.rowcount == 1 else None  # type: ignore[attr-defined]


def _finish(entry_id: int, token: datetime, keep_key: bool = False, **values: Any) -> bool:
    """Record the outcome, unless another worker has since claimed the entry (or it is gone).
    An ended job drops its copy of the data key, unless `keep_key` (a playable copy is to
    be made next).

    When the database refuses (locked past its timeout, disk full), the entry is handed
    back and queued again shortly, rather than left "processing" until it goes stale.
    """
    if values.get("status") in (EntryStatus.DONE, EntryStatus.FAILED) and not keep_key:
        values["job_key"] = None  # the job has ended: its copy of the data key goes
    try:
        return _update_claimed(entry_id, token, claimed_by=None, **values)
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning(
            "entry %s: the outcome could not be saved; handing it back", entry_id, exc_info=True
        )
    for wait in (0.2, 1.0, 3.0):
        time.sleep(wait)
        try:
            handed_back = _update_claimed(
                entry_id,
                token,
                status=EntryStatus.PENDING,
                attempts=Entry.attempts - 1,
                claimed_by=None,
            )
        except SQLAlchemyError:
            db.session.rollback()
            continue
        if handed_back:
            queue.enqueue(entry_id, delay=DB_RETRY_DELAY)
        return False
    current_app.logger.error("entry %s: the database refused the hand-back too", entry_id)
    return False


def _update_claimed(entry_id: int, token: datetime, **values: Any) -> bool:
    """Change the entry only while this claim (token) still holds it."""
    result = db.session.execute(
        update(Entry)
        .where(
            Entry.id == entry_id,
            Entry.status == EntryStatus.PROCESSING,
            Entry.started_at == token,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]
