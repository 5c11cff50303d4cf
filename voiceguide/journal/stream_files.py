"""The recordings store's part for streamed answers: chunks, and closed segments' audio.

Every byte of a stream goes through these methods (written by `put_chunk` and
`put_segment_audio`, read back by `open_chunks` and `segment_audio`), so that one place
can encrypt them. They live in the person's recordings folder, in
'<owner id>/.stream-<stream id>/': never listed by `names`, never swept as partial
uploads; start-up recovery removes such a folder only when its stream is not open.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import ChunkMismatch
from ..uploads import PARTIAL_PREFIX, PARTIAL_SUFFIX

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
            fsync_dir(folder)
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


def fsync_dir(directory: Path) -> None:
    """Make a rename inside `directory` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
