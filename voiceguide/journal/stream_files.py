"""The recordings store's part for streamed answers: chunks, and closed segments' audio.

Every byte of a stream goes through these methods (written by `put_chunk` and
`put_segment_audio`, read back by `open_chunks` and `segment_audio`), and each is sealed
under the owner's data key before it touches the disk (journal/sealed.py, bound to the
stream's id and the piece's number: a chunk moved to another number or stream fails to
open). They live in the person's recordings folder, in '<owner id>/.stream-<stream id>/':
never listed by `names`, never swept as partial uploads; start-up recovery removes such a
folder only when its stream is not open.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import ChunkMismatch
from ..uploads import PARTIAL_PREFIX, PARTIAL_SUFFIX
from . import sealed

STREAM_PREFIX = ".stream-"
CHUNK_SUFFIX = ".chunk"


class StreamFiles:
    """The streamed answers' files under the store's root (a part of RecordingStore)."""

    root: Path

    def _person_folder(self, owner_id: int) -> Path:
        folder = self.root / str(owner_id)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.chmod(0o700)  # whatever the umask: only the server's user reads recordings
        return folder

    def put_chunk(
        self, owner_id: int, stream_id: int, number: int, data: bytes, key: bytes
    ) -> bool:
        """Store chunk `number` sealed under `key`, durably (fsynced, renamed into place);
        False when the same bytes were stored under that number before.

        ChunkMismatch when different bytes were stored under that number.
        """
        folder = self._stream_folder(owner_id, stream_id)
        final = folder / f"{number:06d}{CHUNK_SUFFIX}"
        context = sealed.stream_context(stream_id, f"chunk/{number}")
        if final.is_file():
            if sealed.open_bytes(key, context, final.read_bytes()) == data:
                return False
            raise ChunkMismatch()
        _write_aside(folder, final, sealed.seal_bytes(key, context, data), durable=True)
        return True

    def put_segment_audio(
        self, owner_id: int, stream_id: int, number: int, pcm: bytes, key: bytes
    ) -> None:
        """Keep a closed segment's decoded audio, sealed under `key`, for its transcription
        job (until the job has read it, or the stream closes)."""
        context = sealed.stream_context(stream_id, f"segment-audio/{number}")
        folder = self._stream_folder(owner_id, stream_id)
        data = sealed.seal_bytes(key, context, pcm)
        _write_aside(folder, folder / _segment_file(number), data, durable=False)

    def segment_audio(self, owner_id: int, stream_id: int, number: int, key: bytes) -> bytes | None:
        """A segment's decoded audio, or None once it was used or its stream closed."""
        path = self.root / str(owner_id) / f"{STREAM_PREFIX}{stream_id}" / _segment_file(number)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        context = sealed.stream_context(stream_id, f"segment-audio/{number}")
        return sealed.open_bytes(key, context, data)

    def delete_segment_audio(self, owner_id: int, stream_id: int, number: int) -> None:
        """Remove a segment's audio once its job has it."""
        folder = self.root / str(owner_id) / f"{STREAM_PREFIX}{stream_id}"
        (folder / _segment_file(number)).unlink(missing_ok=True)

    def _stream_folder(self, owner_id: int, stream_id: int) -> Path:
        folder = self._person_folder(owner_id) / f"{STREAM_PREFIX}{stream_id}"
        folder.mkdir(mode=0o700, exist_ok=True)
        return folder

    def chunk_numbers(self, owner_id: int, stream_id: int) -> list[int]:
        """The numbers of the chunks stored for a stream, in order."""
        folder = self.root / str(owner_id) / f"{STREAM_PREFIX}{stream_id}"
        return sorted(int(p.name[: -len(CHUNK_SUFFIX)]) for p in folder.glob(f"*{CHUNK_SUFFIX}"))

    def open_chunks(
        self, owner_id: int, stream_id: int, numbers: Iterable[int], key: bytes
    ) -> io.RawIOBase:
        """The chunks `numbers`, in that order, opened with `key` and read as one file (one
        chunk in memory at a time)."""
        folder = self.root / str(owner_id) / f"{STREAM_PREFIX}{stream_id}"

        def opened(number: int) -> bytes:
            data = (folder / f"{number:06d}{CHUNK_SUFFIX}").read_bytes()
            return sealed.open_bytes(key, sealed.stream_context(stream_id, f"chunk/{number}"), data)

        return _Concatenated(opened(n) for n in numbers)

    def delete_stream(self, owner_id: int, stream_id: int) -> None:
        """Remove a stream's chunks, if there are any."""
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(self.root / str(owner_id) / f"{STREAM_PREFIX}{stream_id}")

    def stream_folders(self) -> list[tuple[int, int]]:
        """Every stream with chunks on disk, as (owner id, stream id)."""
        found = []
        for path in self.root.glob(f"*/{STREAM_PREFIX}*"):
            owner, stream = path.parent.name, path.name[len(STREAM_PREFIX) :]
            if path.is_dir() and owner.isdigit() and stream.isdigit():
                found.append((int(owner), int(stream)))
        return sorted(found)


class _Concatenated(io.RawIOBase):
    """Byte strings, made one at a time, read one after the other as one stream."""

    def __init__(self, parts: Iterator[bytes]) -> None:
        self._parts = parts
        self._current = b""
        self._at = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self._at >= len(self._current):
            following = next(self._parts, None)
            if following is None:
                return 0
            self._current, self._at = following, 0
        n = min(len(buffer), len(self._current) - self._at)
        buffer[:n] = self._current[self._at : self._at + n]
        self._at += n
        return n


def _segment_file(number: int) -> str:
    return f"segment-{number:06d}.sealed"


def _write_aside(folder: Path, final: Path, data: bytes, *, durable: bool) -> None:
    """`data` into `final`: written aside, renamed into place (never half a file there);
    durable: fsynced first, and the rename synced (segment audio can be made again)."""
    fd, name = tempfile.mkstemp(dir=folder, prefix=PARTIAL_PREFIX, suffix=PARTIAL_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            if durable:
                out.flush()
                os.fsync(out.fileno())
        os.replace(name, final)
        if durable:
            fsync_dir(folder)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def fsync_dir(directory: Path) -> None:
    """Make a rename inside `directory` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
