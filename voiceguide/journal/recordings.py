"""The recordings store: files on disk, one folder per person, written before any row.

A plain store: it receives and verifies a file, finds it, deletes it, deletes a
person's folder and sweeps leftovers. It never builds database rows nor queues
jobs; the journal's operations do that around it.

Between a file's first byte on disk and its row's commit, the writer holds a shared
lock on the store (`writing`); whoever removes files without a row takes it exclusively
(`exclusive`), so that no process ever deletes a file whose row is being committed.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

from flask import current_app
from werkzeug.security import safe_join

from ..errors import ChunkMismatch
from ..uploads import PARTIAL_PREFIX, PARTIAL_SUFFIX, DecodeLimits, decode_limits, receive_audio

EXTENSION_KEY = "voiceguide.recordings"
LOCK_FILE = ".store.lock"
STREAM_PREFIX = ".stream-"
"""A streamed answer's chunks: '<owner id>/.stream-<stream id>/<n>.chunk' (never listed by
`names`, never swept as partial uploads; recovery removes a folder only without its open row)."""
CHUNK_SUFFIX = ".chunk"


@dataclass(frozen=True)
class StoredRecording:
    """A verified recording, durable on disk."""

    name: str
    """Relative to the store's root: '<owner id>/<random>.<ext>'."""
    mimetype: str
    seconds: float
    size: int
    """Bytes on disk."""


class RecordingStore:
    """Recordings under one root directory."""

    def __init__(self, root: str | Path, limits: DecodeLimits | None = None) -> None:
        self.root = Path(root)
        self.limits = limits or DecodeLimits()

    def receive(
        self, owner_id: int, stream: IO[bytes], *, max_bytes: int, max_seconds: float
    ) -> StoredRecording:
        """Receive, verify and durably store an upload; UploadError leaves nothing behind."""
        folder = self._person_folder(owner_id)
        received = receive_audio(
            stream, folder, max_bytes=max_bytes, max_seconds=max_seconds, limits=self.limits
        )
        size = received.path.stat().st_size
        final = folder / f"{uuid.uuid4().hex}{received.extension}"
        try:
            os.replace(received.path, final)
            _fsync_dir(folder)
        except BaseException:
            received.path.unlink(missing_ok=True)
            final.unlink(missing_ok=True)
            raise
        return StoredRecording(
            name=f"{owner_id}/{final.name}",
            mimetype=received.mimetype,
            seconds=round(received.seconds, 2),
            size=size,
        )

    def _person_folder(self, owner_id: int) -> Path:
        folder = self.root / str(owner_id)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.chmod(0o700)  # whatever the umask: only the server's user reads recordings
        return folder

    # A streamed answer's chunks. Every byte of them goes through these methods (written
    # by put_chunk, read back by open_chunks), so that one place can encrypt them.

    def put_chunk(self, owner_id: int, stream_id: int, number: int, data: bytes) -> bool:
        """Store chunk `number` durably (fsynced, renamed into place); False if already there.

        ChunkMismatch when different bytes were stored under that number.
        """
        folder = self._person_folder(owner_id) / f"{STREAM_PREFIX}{stream_id}"
        folder.mkdir(mode=0o700, exist_ok=True)
        final = folder / f"{number:06d}{CHUNK_SUFFIX}"
        if final.is_file():
            if final.read_bytes() == data:
                return False
            raise ChunkMismatch()
        fd, name = tempfile.mkstemp(dir=folder, prefix=PARTIAL_PREFIX, suffix=PARTIAL_SUFFIX)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(name, final)
            _fsync_dir(folder)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        return True

    def put_segment_audio(self, owner_id: int, stream_id: int, number: int, pcm: bytes) -> None:
        """Keep a closed segment's decoded audio for its transcription job (until the finish)."""
        folder = self._person_folder(owner_id) / f"{STREAM_PREFIX}{stream_id}"
        folder.mkdir(mode=0o700, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=folder, prefix=PARTIAL_PREFIX, suffix=PARTIAL_SUFFIX)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(pcm)
            os.replace(name, folder / f"segment-{number:06d}.pcm")
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise

    def segment_audio(self, owner_id: int, stream_id: int, number: int) -> bytes | None:
        """A segment's decoded audio, or None once its stream's chunks are gone."""
        path = (
            self.root / str(owner_id) / f"{STREAM_PREFIX}{stream_id}" / f"segment-{number:06d}.pcm"
        )
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    def chunk_numbers(self, owner_id: int, stream_id: int) -> list[int]:
        """The numbers of the chunks stored for a stream, in order."""
        folder = self.root / str(owner_id) / f"{STREAM_PREFIX}{stream_id}"
        return sorted(int(p.name[: -len(CHUNK_SUFFIX)]) for p in folder.glob(f"*{CHUNK_SUFFIX}"))

    def open_chunks(self, owner_id: int, stream_id: int, numbers: Iterable[int]) -> io.RawIOBase:
        """The chunks `numbers`, in that order, read as one file."""
        folder = self.root / str(owner_id) / f"{STREAM_PREFIX}{stream_id}"
        return _Concatenated([folder / f"{n:06d}{CHUNK_SUFFIX}" for n in numbers])

    def receive_stream(
        self,
        owner_id: int,
        stream_id: int,
        numbers: Iterable[int],
        *,
        max_bytes: int,
        max_seconds: float,
    ) -> StoredRecording:
        """Join a stream's chunks into a verified recording, like `receive` an upload."""
        with self.open_chunks(owner_id, stream_id, numbers) as joined:
            reader = cast(IO[bytes], joined)  # RawIOBase reads like a binary file
            return self.receive(owner_id, reader, max_bytes=max_bytes, max_seconds=max_seconds)

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

    def path(self, name: str) -> Path | None:
        """Where a recording's file lives (the one place that resolves it); None if unsafe."""
        joined = safe_join(str(self.root), name)
        return Path(joined) if joined is not None else None

    def find(self, name: str | None) -> Path | None:
        """The recording's file when it exists, else None."""
        path = self.path(name) if name else None
        return path if path is not None and path.is_file() else None

    def delete(self, name: str | None) -> None:
        """Remove one recording, if it is there."""
        path = self.path(name) if name else None
        if path is not None:
            path.unlink(missing_ok=True)

    def usage(self, owner_id: int) -> int:
        """Bytes of a person's recordings on disk."""
        folder = self.root / str(owner_id)
        if not folder.is_dir():
            return 0
        return sum(p.stat().st_size for p in folder.iterdir() if p.is_file())

    def delete_owner(self, owner_id: int) -> None:
        """Remove a person's whole folder; OSError when something could not be removed."""
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(self.root / str(owner_id))

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the store's shared lock: from a file's first byte until its row is committed."""
        fd = self._lock_fd()
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)  # waits only while a recovery holds it
            yield
        finally:
            os.close(fd)  # closing releases the lock; so does the kernel when a process dies

    @contextlib.contextmanager
    def exclusive(self, wait_s: float = 0.0) -> Iterator[bool]:
        """Try for the store's exclusive lock for up to `wait_s`; yield whether it is held.

        Held, no upload in any process sharing this directory is between writing its
        file and committing its row: a file without a row now will never get one.
        """
        fd = self._lock_fd()
        deadline = time.monotonic() + wait_s
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    held = True
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        held = False
                        break
                    time.sleep(0.05)
            yield held
        finally:
            os.close(fd)

    def _lock_fd(self) -> int:
        self.root.mkdir(parents=True, exist_ok=True)
        return os.open(self.root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)

    def names(self) -> list[str]:
        """Every stored recording, as '<owner id>/<file>' (temporary files excluded)."""
        return sorted(
            f"{path.parent.name}/{path.name}"
            for path in self.root.glob("*/*")
            if path.is_file() and not path.name.startswith(".")
        )

    def sweep_partial_uploads(self, max_age_s: float = 3600) -> int:
        """Remove temporary files left by uploads cut off mid-way (a crash); return how many."""
        cutoff = time.time() - max_age_s
        removed = 0
        for path in self.root.glob(f"*/{PARTIAL_PREFIX}*{PARTIAL_SUFFIX}"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                pass
        return removed


def store() -> RecordingStore:
    """The app's recordings store."""
    return current_app.extensions[EXTENSION_KEY]


def init_app(app) -> None:
    """Attach the store over RECORDINGS_DIR (after `uploads.init_app`: it shares the limits)."""
    app.extensions[EXTENSION_KEY] = RecordingStore(app.config["RECORDINGS_DIR"], decode_limits(app))


class _Concatenated(io.RawIOBase):
    """Several files read one after the other as one stream."""

    def __init__(self, paths: list[Path]) -> None:
        self._paths = list(paths)
        self._current: io.BufferedReader | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while True:
            if self._current is None:
                if not self._paths:
                    return 0
                self._current = self._paths.pop(0).open("rb")
            n = self._current.readinto(buffer)
            if n:
                return n
            self._current.close()
            self._current = None

    def close(self) -> None:
        if self._current is not None:
            self._current.close()
            self._current = None
        super().close()


def _fsync_dir(directory: Path) -> None:
    """Make a rename inside `directory` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
