"""Streamed answers: chunks stored as the person speaks, joined into an entry at the finish.

A stream is opened for one question with the client_id its entry will carry, so that a
whole-file resend of the same answer finds the same entry. Each chunk is durable on disk
(the recordings store) before it is acknowledged; a repeated number with the same bytes
is acknowledged again. At the finish the chunks are joined and go through the same checks
as an upload (`save_spoken_entry`). A stream left without a finish for STREAM_IDLE_SECONDS
becomes an entry marked interrupted (`close_idle_streams`, run by every sweep).

Everything a stream keeps is sealed under its owner's data key (journal/stream_files.py).
In a request that key comes from the session; the stream also keeps it wrapped for its
jobs (`job_key`: the segment jobs, and the sweep that makes an interrupted entry without
a session), from its opening until it closes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..accounts import keys
from ..accounts.sessions import session_key
from ..errors import (
    ChunksMissing,
    Conflict,
    EmptyRecording,
    NotFound,
    StreamClosed,
    TooLarge,
    TooManyChunks,
    UnsupportedFormat,
    VoiceguideError,
)
from ..extensions import db
from ..models import AnswerStream, Entry, User, utcnow
from ..program import Part, Stage
from ..speech.audio import SNIFF_BYTES, sniff_format
from ..uploads import ACCEPTED
from . import live, recordings, sealed
from .entries import by_client_id, find_prompt, save_spoken_entry


@dataclass(frozen=True)
class ChunkAck:
    """What the server says after storing a chunk."""

    number: int
    stored: bool
    """False when the same chunk had been stored before (a resend)."""
    chunks: int
    """Chunks stored so far."""


def owned_stream(user: User, stream_id: int) -> AnswerStream:
    """The person's stream with this id; anyone else's is NotFound, like a missing one."""
    stream = db.session.get(AnswerStream, stream_id)
    if stream is None or stream.user_id != user.id:
        raise NotFound("There is no such recording in progress.")
    return stream


def open_stream(user: User, stage: Stage, part: Part, client_id: str) -> tuple[AnswerStream, bool]:
    """Open a stream for one answer; (stream, True), or (the stream of this client_id, False).

    An older stream still open for the same question is closed first, as interrupted
    (the tab that sent it is gone): one open stream per person per question.
    StreamClosed when this client_id's answer was already saved without a stream.
    """
    known = _by_client_id(user, client_id)
    if known is not None:
        return known, False
    if by_client_id(user, client_id) is not None:
        raise StreamClosed("This answer has already been saved.")
    key = f"{stage.id}/{part.id}"
    older = db.session.scalar(
        select(AnswerStream).where(AnswerStream.user_id == user.id, AnswerStream.open_key == key)
    )
    data_key = session_key(user)
    if older is not None:
        try:
            _close(user, older, data_key, interrupted=True)
        except VoiceguideError as e:  # nothing usable had arrived: it is closed all the same
            current_app.logger.warning("stream %s: closed without an entry: %s", older.id, e)
    stream = AnswerStream(
        user_id=user.id, client_id=client_id, stage=stage.id, prompt=part.id, open_key=key
    )
    db.session.add(stream)
    try:
        db.session.flush()  # its id is bound into the wrap
        stream.job_key = keys.wrap_for_job(data_key, user.id, stream.id, "stream")
        db.session.commit()
    except IntegrityError:  # the same client id, or another open stream, at the same moment
        db.session.rollback()
        known = _by_client_id(user, client_id)
        if known is None:
            raise Conflict("Another recording of this question began at once.") from None
        return known, False
    return stream, True


def add_chunk(user: User, stream: AnswerStream, number: int, data: bytes) -> ChunkAck:
    """Store chunk `number` durably, then count it; an error leaves nothing of it behind."""
    config = current_app.config
    if stream.open_key is None:
        raise StreamClosed()
    if number >= config["STREAM_MAX_CHUNKS"]:
        raise TooManyChunks(
            f"A recording may be sent in at most {config['STREAM_MAX_CHUNKS']} pieces."
        )
    if not data:
        raise EmptyRecording("The piece of the recording is empty.")
    max_chunk = int(config["STREAM_CHUNK_MAX_KB"] * 1024)
    if len(data) > max_chunk:
        raise TooLarge(f"A piece of a recording may be at most {max_chunk // 1024} KB.")
    if number == 0 and sniff_format(data[:SNIFF_BYTES]) is None:
        raise UnsupportedFormat(f"The recording is not a supported audio format. Send {ACCEPTED}.")
    if stream.size + len(data) > config["MAX_CONTENT_LENGTH"]:
        raise TooLarge(f"The recording is too large; the limit is {config['MAX_UPLOAD_MB']:g} MB.")
    store = recordings.store()
    # The shared lock from the first byte to the commit: recovery removes chunk folders
    # of streams that are not open, never while a chunk is being counted.
    with store.writing():
        stored = store.put_chunk(user.id, stream.id, number, data, session_key(user))
        if stored:
            result = db.session.execute(
                update(AnswerStream)
                .where(AnswerStream.id == stream.id, AnswerStream.open_key.is_not(None))
                .values(
                    chunks=AnswerStream.chunks + 1,
                    size=AnswerStream.size + len(data),
                    last_chunk_at=utcnow(),
                )
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise StreamClosed()
    db.session.refresh(stream)
    return ChunkAck(number=number, stored=stored, chunks=stream.chunks)


def finish_stream(user: User, stream: AnswerStream, count: int) -> tuple[Entry, bool]:
    """Join chunks 0..count-1 into a pending entry and queue it; (entry, created).

    A finish sent again answers with the entry already made. ChunksMissing when a chunk
    has not arrived; an UploadError (the joined audio does not decode...) closes the
    stream and leaves nothing behind.
    """
    if stream.open_key is None:
        entry = db.session.get(Entry, stream.entry_id) if stream.entry_id else None
        if entry is None:
            raise StreamClosed()
        return sealed.open_entry(entry, session_key(user)), False
    numbers = recordings.store().chunk_numbers(user.id, stream.id)
    if count < 1:
        raise EmptyRecording("No piece of the recording was sent.")
    missing = sorted(set(range(count)) - set(numbers))
    if missing:
        shown = ", ".join(str(n) for n in missing[:10])
        raise ChunksMissing(f"Pieces {shown} of the recording have not arrived yet.")
    if numbers[-1] >= count:
        raise ChunksMissing(f"{len(numbers)} pieces arrived, but the finish counts {count}.")
    entry, created = _close(user, stream, session_key(user), interrupted=False)
    if entry is None:
        raise StreamClosed()
    return entry, created


def keep_open(stream: AnswerStream) -> None:
    """The page still follows this open stream (its recording is held by Pause, so no chunk
    comes): the idle sweep leaves it for another STREAM_IDLE_SECONDS."""
    if stream.open_key is None:
        return
    db.session.execute(
        update(AnswerStream)
        .where(AnswerStream.id == stream.id, AnswerStream.open_key.is_not(None))
        .values(last_chunk_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def discard_stream(user: User, stream: AnswerStream) -> None:
    """Close an open stream without an entry and remove its chunks (a voice command, not an
    answer: the page checks it as a whole file); a closed stream is left as it is."""
    if stream.open_key is None:
        return
    stream.open_key = None
    stream.job_key = None
    db.session.commit()
    live.forget(stream.id)
    recordings.store().delete_stream(user.id, stream.id)


def close_idle_streams() -> int:
    """Make an interrupted entry of every stream idle past STREAM_IDLE_SECONDS; return how many.

    Each is claimed first (its last_chunk_at moved on), so two sweepers never close the
    same stream at once.
    """
    cutoff = utcnow() - timedelta(seconds=current_app.config["STREAM_IDLE_SECONDS"])
    idle = db.session.scalars(
        select(AnswerStream.id).where(
            AnswerStream.open_key.is_not(None), AnswerStream.last_chunk_at < cutoff
        )
    ).all()
    made = 0
    for stream_id in idle:
        claimed = db.session.execute(
            update(AnswerStream)
            .where(AnswerStream.id == stream_id, AnswerStream.last_chunk_at < cutoff)
            .values(last_chunk_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue
        stream = db.session.get(AnswerStream, stream_id, populate_existing=True)
        user = db.session.get(User, stream.user_id) if stream else None
        if stream is None or user is None:
            continue
        try:
            data_key = keys.unwrap_for_job(stream.job_key, user.id, stream.id, "stream")
        except keys.WrongKey:  # no one could open its chunks but their owner, signed in
            current_app.logger.error("stream %s: its wrapped key does not open", stream_id)
            _closed_without_entry(user, stream)
            continue
        try:
            made += _close(user, stream, data_key, interrupted=True)[1]
        except VoiceguideError as e:
            current_app.logger.warning("stream %s: closed without an entry: %s", stream_id, e)
    return made


def _close(
    user: User, stream: AnswerStream, data_key: bytes, *, interrupted: bool
) -> tuple[Entry | None, bool]:
    """Close a stream into its entry: (entry, created); (None, False) when no chunk arrived.

    The chunks are opened with `data_key`, and the recording sealed with it; the entry's
    job gets it wrapped for the entry, and the stream's own wrapped copy goes. The entry's
    row and the stream's closing are one transaction; the chunks go after the commit. An
    UploadError (or a question no longer in the program) closes the stream too, and its
    chunks go; any other error leaves it open for the next sweep.
    """
    store = recordings.store()
    numbers = store.chunk_numbers(user.id, stream.id)
    existing = _entry_by_client_id(user, stream.client_id, data_key)  # a whole-file resend
    try:
        if existing is not None or not numbers:
            entry, created = existing, False
            stream.open_key = stream.job_key = None
        else:
            stage, part = find_prompt(stream.stage, stream.prompt)

            def closing() -> None:
                stream.open_key = stream.job_key = None

            entry, created = save_spoken_entry(
                user,
                stage,
                part,
                stream.client_id,
                lambda s, limits: s.receive_stream(user.id, stream.id, numbers, data_key, **limits),
                interrupted=interrupted,
                before_commit=closing,
                key=data_key,
            )
    except VoiceguideError:
        db.session.rollback()
        _closed_without_entry(user, stream)
        raise
    stream.open_key = stream.job_key = None  # again: a lost race rolled `closing` back
    stream.entry_id = entry.id if entry is not None else None
    db.session.commit()
    live.forget(stream.id)
    store.delete_stream(user.id, stream.id)
    return entry, created


def _closed_without_entry(user: User, stream: AnswerStream) -> None:
    """Close a stream that makes no entry: its key and chunks go."""
    db.session.execute(
        update(AnswerStream)
        .where(AnswerStream.id == stream.id)
        .values(open_key=None, job_key=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    live.forget(stream.id)
    recordings.store().delete_stream(user.id, stream.id)


def _entry_by_client_id(user: User, client_id: str, data_key: bytes) -> Entry | None:
    """The entry made with this client id, opened with `data_key` (the sweep has no session)."""
    entry = db.session.scalar(
        select(Entry).where(Entry.user_id == user.id, Entry.client_id == client_id)
    )
    return sealed.open_entry(entry, data_key) if entry is not None else None


def _by_client_id(user: User, client_id: str) -> AnswerStream | None:
    return db.session.scalar(
        select(AnswerStream).where(
            AnswerStream.user_id == user.id, AnswerStream.client_id == client_id
        )
    )
