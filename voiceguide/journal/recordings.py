"""The recordings store: files on disk, one folder per person, written before any row.

A plain store: it receives and verifies a file, finds it, deletes it, deletes a
person's folder and sweeps leftovers. It never builds database rows nor queues
jobs; the journal's operations do that around it.

Files are written and read through a `FileCipher` (journal/sealed.py seals them under
the owner's data key): an upload is checked in a private temporary directory outside
the data directory, and only its sealed form is written here.

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
from typing import IO, Protocol, cast

from flask import current_app
from werkzeug.security import safe_join

from ..uploads import PARTIAL_PREFIX, PARTIAL_SUFFIX, DecodeLimits, decode_limits, receive_audio
from .stream_files import StreamFiles, fsync_dir

EXTENSION_KEY = "voiceguide.recordings"
LOCK_FILE = ".store.lock"


class FileCipher(Protocol):
    """Seals a file as it is written, and opens it as it is read."""

    def seal(self, source: IO[bytes], out: IO[bytes], name: str) -> None:
        """Write `source` sealed to `out`; `name` (the store's) is bound to the ciphertext."""

    def reader(self, sealed: IO[bytes], size: int, name: str) -> io.RawIOBase:
        """A seekable plaintext view of `sealed`, a file of `size` bytes."""


@dataclass(frozen=True)
class StoredRecording:
    """A verified recording, durable on disk."""

    name: str
    """Relative to the store's root: '<owner id>/<random>.<ext>'."""
    mimetype: str
    seconds: float
    size: int
    """Bytes on disk."""


class RecordingStore(StreamFiles):
    """Recordings under one root directory (and the chunks of streamed answers)."""

    def __init__(self, root: str | Path, limits: DecodeLimits | None = None) -> None:
        self.root = Path(root)
        self.limits = limits or DecodeLimits()

    def receive(
        self,
        owner_id: int,
        stream: IO[bytes],
        *,
        max_bytes: int,
        max_seconds: float,
        cipher: FileCipher,
    ) -> StoredRecording:
        """Receive, verify and durably store an upload, sealed by `cipher`; UploadError
        leaves nothing behind.

        The plain upload is checked in a private temporary directory (0700, outside the
        data directory) and removed as soon as its sealed copy is written.
        """
        with tempfile.TemporaryDirectory(prefix="voiceguide-upload-") as private:
            received = receive_audio(
                stream,
                Path(private),
                max_bytes=max_bytes,
                max_seconds=max_seconds,
                limits=self.limits,
            )
            with received.path.open("rb") as source:
                name, size = self._write(owner_id, source, received.extension, cipher)
        return StoredRecording(
            name=name, mimetype=received.mimetype, seconds=round(received.seconds, 2), size=size
        )

    def reseal(self, name: str, cipher: FileCipher) -> str | None:
        """A sealed copy of a plain recording kept before encryption, under a new name (the
        caller removes the old file once its row names the new one); None when missing."""
        path = self.find(name)
        if path is None:
            return None
        owner_id = int(name.split("/", 1)[0])
        with path.open("rb") as source:
            new_name, _ = self._write(owner_id, source, path.suffix, cipher)
        return new_name

    def keep(self, owner_id: int, path: Path, cipher: FileCipher) -> str:
        """Seal a file the server made from a recording (its playable copy) into the
        owner's folder under a new name, durably; the caller holds `writing` until the
        row names it."""
        with path.open("rb") as source:
            name, _ = self._write(owner_id, source, path.suffix, cipher)
        return name

    def _write(
        self, owner_id: int, source: IO[bytes], extension: str, cipher: FileCipher
    ) -> tuple[str, int]:
        """Seal `source` into a new file of the owner's folder, durably; (name, bytes)."""
        folder = self._person_folder(owner_id)
        name = f"{owner_id}/{uuid.uuid4().hex}{extension}"
        final = self.root / name
        fd, partial = tempfile.mkstemp(dir=folder, prefix=PARTIAL_PREFIX, suffix=PARTIAL_SUFFIX)
        try:
            with os.fdopen(fd, "wb") as out:
                cipher.seal(source, out, name)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, final)
            fsync_dir(folder)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            final.unlink(missing_ok=True)
            raise
        return name, final.stat().st_size

    def open(self, name: str | None, cipher: FileCipher) -> io.RawIOBase | None:
        """The recording's plaintext, read through `cipher`; None when there is no file."""
        path = self.find(name)
        if path is None or name is None:
            return None
        raw = path.open("rb")
        return cipher.reader(raw, os.fstat(raw.fileno()).st_size, name)

    def receive_stream(
        self,
        owner_id: int,
        stream_id: int,
        numbers: Iterable[int],
        key: bytes,
        *,
        max_bytes: int,
        max_seconds: float,
        cipher: FileCipher,
    ) -> StoredRecording:
        """Join a stream's chunks (opened with `key`) into a verified recording, sealed by
        `cipher` like an upload by `receive`."""
        with self.open_chunks(owner_id, stream_id, numbers, key) as joined:
            reader = cast(IO[bytes], joined)  # RawIOBase reads like a binary file
            return self.receive(
                owner_id, reader, max_bytes=max_bytes, max_seconds=max_seconds, cipher=cipher
            )

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
