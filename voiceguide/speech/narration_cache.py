"""The narration cache: audio_cache/<sha256 of engine, voice, options, text>.mp3, written once."""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from pathlib import Path

from . import pauses
from .audio import encode_mp3
from .base import TextToSpeech

EXTENSION = "mp3"
MIMETYPE = "audio/mpeg"


class NarrationCache:
    """Content-addressed narration files; a hit does no synthesis."""

    def __init__(self, directory: str | Path, engine: TextToSpeech):
        self.directory = Path(directory)
        self.engine = engine
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def key(self, text: str) -> str:
        """The content address of `text` spoken by this engine, voice and options.

        `text` is narration text with its pauses (`[pause 3]`): a pause changes the key.
        """
        return hashlib.sha256(f"{self.engine.cache_key}\n{text}".encode()).hexdigest()

    def path(self, key: str) -> Path:
        """Where the audio for `key` lives (it may not exist yet)."""
        return self.directory / f"{key}.{EXTENSION}"

    def has(self, text: str) -> bool:
        """True when `text` is already rendered."""
        return self.path(self.key(text)).exists()

    def ensure(self, text: str) -> Path:
        """Return the cached file for `text`, synthesising it first on a miss.

        Concurrent callers for the same text wait for one synthesis; the file appears
        by an atomic rename, so no reader ever sees half of it.
        """
        key = self.key(text)
        target = self.path(key)
        if target.exists():
            return target
        with self._lock_for(key):
            if target.exists():
                return target
            synthesis = pauses.synthesize(self.engine, text)
            self._write_atomically(target, encode_mp3(synthesis.wav))
        return target

    def _lock_for(self, key: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(key, threading.Lock())

    def _write_atomically(self, target: Path, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=f".{EXTENSION}")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
