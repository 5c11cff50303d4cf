"""Receiving an uploaded recording: size while reading, format by first bytes, then decoding.

One pipeline for spoken answers and voice commands. It writes the upload to a file
in the directory it is given and hands that file back only when the audio is whole;
on any refusal the file is gone and an `UploadError` says why.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .errors import EmptyRecording, TooLarge, TooLong, Undecodable, UnsupportedFormat
from .speech.audio import SNIFF_BYTES, decode_file, sniff_format
from .speech.base import AudioDecodeError, Pcm

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
    decode_timeout: float = 120,
    too_large: str | None = None,
    too_long: str | None = None,
) -> ReceivedAudio:
    """Copy `stream` into `directory` and check it; raise an UploadError, leaving no file.

    `too_large` and `too_long` replace the default sentences (a voice command says
    it must be short rather than naming the journal's limits).
    """
    path = _copy(stream, directory, max_bytes, too_large)
    try:
        with path.open("rb") as f:
            container = sniff_format(f.read(SNIFF_BYTES))
        if container is None:
            raise UnsupportedFormat(f"That file is not a supported audio format. Send {ACCEPTED}.")
        try:
            pcm = decode_file(str(path), max_seconds=max_seconds, timeout=decode_timeout)
        except AudioDecodeError as e:
            raise Undecodable() from e
        if pcm.seconds > max_seconds:
            raise TooLong(
                too_long or f"The recording is too long; the limit is {duration(max_seconds)}."
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    extension, mimetype = FORMATS[container]
    return ReceivedAudio(path=path, extension=extension, mimetype=mimetype, pcm=pcm)


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
