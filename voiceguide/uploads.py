"""Receiving an uploaded recording: size while reading, format by first bytes, what the
container declares, then decoding.

One pipeline for spoken answers and voice commands. It writes the upload to a file
in the directory it is given and hands that file back only when the audio is whole;
on any refusal the file is gone and an `UploadError` says why.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from flask import Flask

from .errors import (
    Busy,
    DecodeTimeout,
    EmptyRecording,
    ImplausibleAudio,
    TooLarge,
    TooLong,
    Undecodable,
    UnsupportedFormat,
)
from .speech.audio import DECODE_TIMEOUT, SNIFF_BYTES, decode_file, ffmpeg_exe, sniff_format
from .speech.base import AudioDecodeError, DecodeTimeoutError, Pcm
from .speech.probe import Declared, probe
from .speech.recognition import cores

# sniffed container -> (file extension, MIME type served back)
FORMATS: dict[str, tuple[str, str]] = {
    "webm": (".webm", "audio/webm"),
    "ogg": (".ogg", "audio/ogg"),
    "mp4": (".m4a", "audio/mp4"),
    "wav": (".wav", "audio/wav"),
    "flac": (".flac", "audio/flac"),
    "mp3": (".mp3", "audio/mpeg"),
}
ACCEPTED = "WebM, Ogg, MP4/M4A, WAV, FLAC or MP3"
PARTIAL_PREFIX, PARTIAL_SUFFIX = ".upload-", ".part"
CHUNK = 64 * 1024
MAX_SAMPLE_RATE = 96_000
"""Microphones record speech at 8-48 kHz; 96 kHz is the most any consumer device offers."""
MAX_CHANNELS = 2
LIMITS_KEY = "voiceguide.decode_limits"
SLOT_WAIT = 1.0
"""Seconds an upload waits for a decode slot before it is answered 503 busy."""


class DecodeSlots:
    """At most `size` decodes at once in this process; beyond it, Busy (503, Retry-After).

    A decode is one ffmpeg process busy on a core for up to the time limit: without a
    cap, a burst of uploads would make every one of them slow (and time out) at once.
    """

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._semaphore = threading.BoundedSemaphore(self.size)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one slot while the body runs; Busy when none frees up within SLOT_WAIT."""
        if not self._semaphore.acquire(timeout=SLOT_WAIT):
            raise Busy()
        try:
            yield
        finally:
            self._semaphore.release()


@dataclass(frozen=True)
class DecodeLimits:
    """A hard time limit on each decode, and the slots that cap decodes running at once."""

    timeout: float = DECODE_TIMEOUT
    slots: DecodeSlots = field(default_factory=lambda: DecodeSlots(2 * cores()))


def init_app(app: Flask) -> None:
    """The app's decode limits: DECODE_TIMEOUT_SECONDS and MAX_CONCURRENT_DECODES."""
    app.extensions[LIMITS_KEY] = DecodeLimits(
        timeout=app.config["DECODE_TIMEOUT_SECONDS"],
        slots=DecodeSlots(app.config["MAX_CONCURRENT_DECODES"] or 2 * cores()),
    )


def decode_limits(app: Flask) -> DecodeLimits:
    """The limits `init_app` set up for this app."""
    limits: DecodeLimits = app.extensions[LIMITS_KEY]
    return limits


@dataclass(frozen=True)
class ReceivedAudio:
    """An upload that passed every check, in a file the caller now owns."""

    path: Path
    extension: str
    mimetype: str
    pcm: Pcm
    """The decoded audio, 16 kHz mono."""

    @property
    def seconds(self) -> float:
        """The audio's true length (browser WebM declares none)."""
        return self.pcm.seconds


def receive_audio(
    stream: IO[bytes],
    directory: Path,
    *,
    max_bytes: int,
    max_seconds: float,
    limits: DecodeLimits,
    too_large: str | None = None,
    too_long: str | None = None,
) -> ReceivedAudio:
    """Copy `stream` into `directory` and check it; raise an UploadError, leaving no file.

    `too_large` and `too_long` replace the default sentences (a voice command says
    it must be short rather than naming the journal's limits).
    """
    too_long = too_long or f"The recording is too long; the limit is {duration(max_seconds)}."
    timeout = limits.timeout
    path = _copy(stream, directory, max_bytes, too_large)
    try:
        with path.open("rb") as f:
            container = sniff_format(f.read(SNIFF_BYTES))
        if container is None:
            raise UnsupportedFormat(f"That file is not a supported audio format. Send {ACCEPTED}.")
        with limits.slots.slot():
            try:
                _check_declared(probe(ffmpeg_exe(), str(path), container), max_seconds, too_long)
                pcm = decode_file(
                    str(path), max_seconds=max_seconds, timeout=timeout, container=container
                )
            except DecodeTimeoutError as e:
                raise DecodeTimeout(
                    f"The recording took longer than {timeout:g} seconds to decode, "
                    "so it was stopped. Please record it again."
                ) from e
            except AudioDecodeError as e:
                raise Undecodable() from e
        if pcm.seconds > max_seconds:
            raise TooLong(too_long)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    extension, mimetype = FORMATS[container]
    return ReceivedAudio(path=path, extension=extension, mimetype=mimetype, pcm=pcm)


def _check_declared(declared: Declared, max_seconds: float, too_long: str) -> None:
    """Refuse, before decoding, what the headers say no microphone recorded."""
    if declared.sample_rate > MAX_SAMPLE_RATE:
        raise ImplausibleAudio(
            f"The recording declares {declared.sample_rate:,} samples a second; a microphone "
            f"records at most {MAX_SAMPLE_RATE:,}. Please send a recording made by a microphone."
        )
    if declared.channels > MAX_CHANNELS:
        raise ImplausibleAudio(
            f"The recording declares {declared.channels} channels; a spoken answer has one or two."
        )
    # One second of slack: containers round their durations.
    if declared.seconds is not None and declared.seconds > max_seconds + 1:
        raise TooLong(too_long)


def _copy(stream: IO[bytes], directory: Path, limit: int, too_large: str | None) -> Path:
    """Write the stream to a temporary file, fsynced, refusing past `limit` bytes."""
    fd, name = tempfile.mkstemp(dir=directory, prefix=PARTIAL_PREFIX, suffix=PARTIAL_SUFFIX)
    path = Path(name)
    try:
        size = 0
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise TooLarge(
                        too_large
                        or f"The upload is too large; the limit is {limit / 1048576:g} MB."
                    )
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise EmptyRecording()
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def duration(seconds: float) -> str:
    """600 -> '10 minutes', 90 -> '90 seconds'."""
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds:g} seconds"
