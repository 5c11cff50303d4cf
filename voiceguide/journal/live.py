"""The live view of a stream while the person speaks: segments closed at pauses, the draft.

Each web process keeps, per open stream, one ffmpeg fed through a pipe (speech/
pipe_decoder.py) and the voice-activity scores so far (speech/voice_activity.py); a chunk is
decoded and scored once. Closed segments are rows (the queue transcribes them) and their
audio is kept, sealed, by the recordings store until their job reads it or the stream
closes; the draft is opened from the segments' sealed texts with the session's key.
Nothing here is needed for the answer itself: when this process has not seen a stream's
earlier chunks (another web process took them, or it restarted), it reads them back from
the store and catches up, and any failure here leaves the acknowledgement without a live
view, never without the chunk.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..accounts.sessions import session_key
from ..extensions import db
from ..jobs import queue
from ..jobs.segments import join_texts, segment_text
from ..models import AnswerStream, EntryStatus, StreamSegment, User
from ..speech.audio import SNIFF_BYTES, sniff_format
from ..speech.pipe_decoder import PipeDecoder
from ..speech.voice_activity import WINDOW, PauseFinder, seconds, speech_scores
from . import recordings

BYTES_PER_WINDOW = WINDOW * 2


@dataclass(frozen=True)
class LiveView:
    """What the page is told with each chunk's acknowledgement."""

    speech_ended: bool = False
    """Speech was heard, then STREAM_END_SILENCE_SECONDS of silence."""
    speech_heard: bool = False
    """Any speech at all so far."""
    silence_s: float = 0.0
    """Seconds of silence since the last speech (the page compares its own setting)."""
    draft: str | None = None
    """The transcript of the segments done so far (None before the first)."""


@dataclass
class _Live:
    decoder: PipeDecoder
    finder: PauseFinder
    fed: int = 0
    """Chunks fed to the decoder."""
    base: int = 0
    """Byte of the stream's PCM at the start of the decoder's buffer."""
    scored: int = 0
    """Bytes of the stream's PCM scored so far (whole windows)."""
    segments: int = 0
    used: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)


_streams: dict[int, _Live] = {}
_streams_lock = threading.Lock()


def after_chunk(user: User, stream: AnswerStream) -> LiveView:
    """The live view after a chunk was stored; an empty one when it cannot be had."""
    config = current_app.config
    if not config["STREAM_LIVE"]:
        return LiveView()
    key = session_key(user)
    try:
        finder = _advance(user, stream, key)
    except Exception:  # the chunk is stored and counted: the live view is a bonus
        current_app.logger.warning("stream %s: no live view", stream.id, exc_info=True)
        forget(stream.id)
        return LiveView(draft=_draft(stream.id, key))
    silence = finder.trailing_silence_s()
    ended = finder.heard_speech and silence >= config["STREAM_END_SILENCE_SECONDS"]
    return LiveView(
        speech_ended=ended,
        speech_heard=finder.heard_speech,
        silence_s=round(silence, 2),
        draft=_draft(stream.id, key),
    )


def forget(stream_id: int) -> None:
    """Drop this process's live state of a stream (it closed), stopping its decoder."""
    with _streams_lock:
        live = _streams.pop(stream_id, None)
    if live is not None:
        live.decoder.close()


def _advance(user: User, stream: AnswerStream, key: bytes) -> PauseFinder:
    """Feed the stream's new chunks, score the new audio, record the segments that closed."""
    store = recordings.store()
    numbers = store.chunk_numbers(user.id, stream.id)
    arrived = next((i for i, n in enumerate(numbers) if n != i), len(numbers))
    live = _live(user, stream, key)
    with live.lock:
        live.used = time.monotonic()
        for number in range(live.fed, arrived):
            with store.open_chunks(user.id, stream.id, [number], key) as chunk:
                live.decoder.feed(chunk.read())
            live.fed = number + 1
        end = live.base + live.decoder.size
        whole = (end - live.scored) // BYTES_PER_WINDOW * BYTES_PER_WINDOW
        scores = speech_scores(live.decoder.take(live.scored - live.base)[:whole])
        live.scored += whole
        for first, last in live.finder.add(scores):
            audio = live.decoder.take(first * BYTES_PER_WINDOW - live.base)
            audio = audio[: (last - first) * BYTES_PER_WINDOW]
            _record(user, stream, live, first, last, audio, key)
        keep_from = live.finder.segment_start * BYTES_PER_WINDOW
        live.decoder.drop_before(keep_from - live.base)
        live.base = keep_from
        return live.finder


def _record(
    user: User, stream: AnswerStream, live: _Live, first: int, last: int, audio: bytes, key: bytes
) -> None:
    """Keep a closed segment's audio (sealed) and row, and queue its transcription."""
    number = live.segments
    live.segments += 1
    recordings.store().put_segment_audio(user.id, stream.id, number, audio, key)
    segment = StreamSegment(
        stream_id=stream.id, number=number, start_s=seconds(first), end_s=seconds(last)
    )
    db.session.add(segment)
    try:
        db.session.commit()
    except IntegrityError:  # another web process recorded this segment already
        db.session.rollback()
        return
    queue.enqueue_segment(segment.id)


def _live(user: User, stream: AnswerStream, key: bytes) -> _Live:
    """This process's live state of the stream, made on first use; idle ones are dropped."""
    idle_after = current_app.config["STREAM_IDLE_SECONDS"]
    now = time.monotonic()
    with _streams_lock:
        stale = [sid for sid, live in _streams.items() if now - live.used > idle_after]
        live = _streams.get(stream.id)
        if live is None:
            with recordings.store().open_chunks(user.id, stream.id, [0], key) as first:
                container = sniff_format(first.read(SNIFF_BYTES)) or "webm"
            config = current_app.config
            finder = PauseFinder(
                min_pause_s=config["STREAM_PAUSE_SECONDS"],
                min_segment_s=config["STREAM_MIN_SEGMENT_SECONDS"],
                long_pause_s=config["STREAM_LONG_PAUSE_SECONDS"],
                max_segment_s=config["STREAM_MAX_SEGMENT_SECONDS"],
            )
            live = _streams[stream.id] = _Live(decoder=PipeDecoder(container), finder=finder)
    for stream_id in stale:
        if stream_id != stream.id:
            forget(stream_id)
    return live


def _draft(stream_id: int, key: bytes) -> str | None:
    """The segments' text so far, in order (None before any is done)."""
    done = list(
        db.session.scalars(
            select(StreamSegment)
            .where(StreamSegment.stream_id == stream_id, StreamSegment.status == EntryStatus.DONE)
            .order_by(StreamSegment.number)
        )
    )
    return join_texts(segment_text(s, key) for s in done) if done else None
