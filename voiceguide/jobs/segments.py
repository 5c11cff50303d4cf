"""The segment job: transcribe one closed segment of a stream while the person still speaks.

`transcribe_segment(segment_id)` is a plain function of an id, like the entry job: it
claims the row atomically, so a second delivery does nothing. Its result is a draft and
a head start: the entry's own job joins the segments that are done and transcribes only
the rest (jobs/transcription.py), so a segment that fails or is never run costs time,
never words.

The job opens the segment's sealed audio with the data key its stream keeps wrapped for
it (answer_streams.job_key), removes that audio once read, and seals the segment's text
under the same key, bound to the stream and the segment's number.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, select, update

from ..accounts import keys
from ..errors import JournalDamaged
from ..extensions import db
from ..journal import recordings, sealed
from ..models import AnswerStream, Entry, EntryStatus, StreamSegment, utcnow
from ..speech import registry
from ..speech.base import NoSpeechError, Pcm, SpeechError, Transcript, Word

WAIT_FOR_RUNNING_S = 1.5
"""How long the entry's job waits for a segment being transcribed (one takes ~0.5 s here)."""
MIN_REST_S = 0.3
"""Audio after the last segment shorter than this holds no word worth a Whisper pass."""


def transcribe_segment(segment_id: int) -> None:
    """Transcribe one pending segment, with the text before it as context; else nothing."""
    claimed = db.session.execute(
        update(StreamSegment)
        .where(StreamSegment.id == segment_id, StreamSegment.status == EntryStatus.PENDING)
        .values(status=EntryStatus.PROCESSING)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return
    segment = db.session.get(StreamSegment, segment_id, populate_existing=True)
    stream = db.session.get(AnswerStream, segment.stream_id) if segment else None
    if segment is None or stream is None:
        return
    store = recordings.store()
    log = current_app.logger
    waited = _waited(segment)
    skip = _not_worth_it(segment, waited)
    if skip is not None:
        store.delete_segment_audio(stream.user_id, stream.id, segment.number)
        _record(segment_id, EntryStatus.FAILED, None)
        log.info("segment %s left to its answer's job: %s", segment_id, skip)
        return
    try:
        key = keys.unwrap_for_job(stream.job_key, stream.user_id, stream.id, "stream")
        audio = store.segment_audio(stream.user_id, stream.id, segment.number, key)
    except (keys.WrongKey, JournalDamaged):  # closed meanwhile (its key goes), or damaged
        audio = None
    if audio is None:  # the stream was finished first: the entry's job covers it
        _record(segment_id, EntryStatus.FAILED, None)
        return
    store.delete_segment_audio(stream.user_id, stream.id, segment.number)
    began = time.perf_counter()
    pcm = Pcm(audio)
    try:
        text = _transcribe(pcm, context_before(segment, key))
    except NoSpeechError:
        text = ""
    except SpeechError:
        log.warning("segment %s: not transcribed", segment_id, exc_info=True)
        _record(segment_id, EntryStatus.FAILED, None)
        return
    _record(segment_id, EntryStatus.DONE, _seal(key, segment, text))
    log.info("segment %s transcribed: waited %.2f s, ran %.2f s for %.1f s of audio",
             segment_id, waited, time.perf_counter() - began, pcm.seconds)  # fmt: skip


def _waited(segment: StreamSegment) -> float:
    """Seconds since the segment closed (0 for a row from before the column)."""
    if segment.closed_at is None:
        return 0.0
    return (utcnow() - segment.closed_at).total_seconds()


def _not_worth_it(segment: StreamSegment, waited: float) -> str | None:
    """Why transcribing the segment now would not help its answer, or None.

    The answer's job uses the segments done from the first on and transcribes the rest
    itself (`transcribe_after_segments`): after a segment that was not transcribed, later
    ones would be done twice. And one that waited long in the queue means the workers
    are busy: its Whisper pass would cost them more than the answer's job saves.
    """
    if waited > current_app.config["STREAM_SEGMENT_MAX_WAIT_SECONDS"]:
        return f"it waited {waited:.1f} s for a worker"
    gap = db.session.scalar(
        select(StreamSegment.id)
        .where(
            StreamSegment.stream_id == segment.stream_id,
            StreamSegment.number < segment.number,
            StreamSegment.status == EntryStatus.FAILED,
        )
        .limit(1)
    )
    return None if gap is None else "an earlier segment was not transcribed"


def context_before(segment: StreamSegment, key: bytes) -> str:
    """The text of the segments before this one that are done, joined."""
    before = db.session.scalars(
        select(StreamSegment)
        .where(
            StreamSegment.stream_id == segment.stream_id,
            StreamSegment.number < segment.number,
            StreamSegment.status == EntryStatus.DONE,
        )
        .order_by(StreamSegment.number)
    )
    return join_texts(segment_text(s, key) for s in before)


def segment_text(segment: StreamSegment, key: bytes) -> str | None:
    """A segment's transcript, opened with its owner's data key."""
    return sealed.open_in(key, _context(segment), segment.text_sealed)


def _seal(key: bytes, segment: StreamSegment, text: str) -> bytes | None:
    return sealed.seal_in(key, _context(segment), text)


def _context(segment: StreamSegment) -> bytes:
    return sealed.stream_context(segment.stream_id, f"segment/{segment.number}")


def join_texts(texts: Iterable[str | None]) -> str:
    """Segment texts joined with single spaces, empty ones left out."""
    return " ".join(t.strip() for t in texts if t and t.strip())


@dataclass(frozen=True)
class Heard:
    """An entry's transcript, and the words (with the recogniser's probabilities) of the
    part transcribed here, which begins at `words_from` in `text`: a streamed answer's
    earlier segments keep their text only."""

    text: str
    words: tuple[Word, ...] = ()
    words_from: int = 0


def transcribe_after_segments(entry: Entry, pcm: Pcm, key: bytes | None) -> Heard:
    """The entry's transcript: its stream's segments that are done, then only the rest.

    A segment being transcribed is waited for a moment (less than redoing it);
    from the first one that is not done, the audio is transcribed here, with the text
    before it as context. An entry that was not streamed is transcribed whole, and so is
    one without the data key (a journal kept before encryption has no sealed segments).
    """
    stream_id = db.session.scalar(
        select(AnswerStream.id).where(
            AnswerStream.user_id == entry.user_id, AnswerStream.client_id == entry.client_id
        )
    )
    done = _done_prefix(stream_id) if stream_id is not None and key is not None else []
    head = join_texts(segment_text(s, key) for s in done) if key is not None else ""
    start = int(done[-1].end_s * pcm.sample_rate) * 2 if done else 0
    rest = Pcm(pcm.data[start:], pcm.sample_rate)
    if done and rest.seconds < MIN_REST_S:
        return Heard(head)
    try:
        tail = _heard(rest, head)
    except NoSpeechError:
        if not head:
            raise
        return Heard(head)
    text = join_texts([head, tail.text])
    return Heard(text, tail.words, len(text) - len(tail.text.strip()))


def forget_segments(entry: Entry) -> None:
    """Delete the segment rows of the entry's stream (their words are in its transcript now)."""
    streams = select(AnswerStream.id).where(
        AnswerStream.user_id == entry.user_id, AnswerStream.client_id == entry.client_id
    )
    db.session.execute(delete(StreamSegment).where(StreamSegment.stream_id.in_(streams)))
    db.session.commit()


def _done_prefix(stream_id: int) -> list[StreamSegment]:
    """The segments done from the first on, in order, after waiting briefly for running ones."""
    deadline = time.monotonic() + WAIT_FOR_RUNNING_S
    while True:
        segments = list(
            db.session.scalars(
                select(StreamSegment)
                .where(StreamSegment.stream_id == stream_id)
                .order_by(StreamSegment.number)
                .execution_options(populate_existing=True)
            )
        )
        db.session.commit()  # end the read, so that the next one sees new commits
        prefix: list[StreamSegment] = []
        for expected, segment in enumerate(segments):
            if segment.number != expected or segment.status != EntryStatus.DONE:
                break
            prefix.append(segment)
        # Only a segment being transcribed is worth waiting for: one still pending has
        # lost its audio with the finish (jobs of this kind then fail at once).
        waiting = (
            len(prefix) < len(segments) and segments[len(prefix)].status == EntryStatus.PROCESSING
        )
        if not waiting or time.monotonic() >= deadline:
            return prefix
        time.sleep(0.05)


def _heard(pcm: Pcm, context: str) -> Transcript:
    """What the engine heard, given the context only when there is one."""
    engine = registry.stt()
    return engine.transcribe(pcm, context=context) if context else engine.transcribe(pcm)


def _transcribe(pcm: Pcm, context: str) -> str:
    return _heard(pcm, context).text


def _record(segment_id: int, status: EntryStatus, text_sealed: bytes | None) -> None:
    db.session.execute(
        update(StreamSegment)
        .where(StreamSegment.id == segment_id, StreamSegment.status == EntryStatus.PROCESSING)
        .values(status=status, text_sealed=text_sealed)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
