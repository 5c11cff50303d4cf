"""Decoding a recording while it grows: one ffmpeg process fed chunk by chunk through a pipe.

Measured here (scripts/bench_streaming.py): re-decoding the joined chunks at every chunk
costs O(n^2) (a 30 s answer in 0.5 s chunks: about 3 s of CPU, more than transcribing it);
one ffmpeg fed by a pipe decodes each chunk once and keeps up with no lag (its output is
within one chunk of its input), so a 30 s answer costs about 0.1 s of decoding.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time

from . import ffmpeg_process
from .audio import ffmpeg_exe
from .base import AudioDecodeError
from .probe import DEMUXERS

SETTLE_S = 0.02
"""The output is taken as complete once it has not grown for this long after a feed."""
MAX_WAIT_S = 0.25
"""The longest a feed waits for ffmpeg's output to settle."""


class PipeDecoder:
    """An ffmpeg process turning a growing container into 16 kHz mono 16-bit PCM."""

    def __init__(self, container: str) -> None:
        demuxer = DEMUXERS.get(container)
        if demuxer is None:
            raise AudioDecodeError(f"cannot decode {container} while it grows")
        command = [
            ffmpeg_exe(), "-nostdin", "-v", "error", "-probesize", "32", "-analyzeduration", "0",
            "-fflags", "nobuffer", "-f", demuxer, "-i", "pipe:0", "-vn", "-ac", "1",
            "-ar", "16000", "-f", "s16le", "-flush_packets", "1", "pipe:1",
        ]  # fmt: skip
        self._process = ffmpeg_process.start(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self._pcm = bytearray()
        self._lock = threading.Lock()
        self._grew = threading.Condition(self._lock)
        self._reader = threading.Thread(target=self._read, name="voiceguide-pipe", daemon=True)
        self._reader.start()

    def feed(self, data: bytes) -> None:
        """Send more of the container; wait briefly for what it decodes to."""
        stdin = self._process.stdin
        if stdin is None or self._process.poll() is not None:
            raise AudioDecodeError("the decoder has stopped")
        try:
            stdin.write(data)
            stdin.flush()
        except (BrokenPipeError, ValueError) as e:
            raise AudioDecodeError("the decoder has stopped") from e
        deadline = time.monotonic() + MAX_WAIT_S
        with self._grew:
            while time.monotonic() < deadline:
                size = len(self._pcm)
                self._grew.wait(SETTLE_S)
                if len(self._pcm) == size and size > 0:
                    break

    def take(self, start: int = 0) -> bytes:
        """The PCM decoded so far, from byte `start` on."""
        with self._lock:
            return bytes(self._pcm[start:])

    def drop_before(self, end: int) -> None:
        """Forget PCM before byte `end` (the caller keeps its own offset)."""
        with self._lock:
            del self._pcm[:end]

    @property
    def size(self) -> int:
        """Bytes of PCM held."""
        with self._lock:
            return len(self._pcm)

    def close(self) -> None:
        """Stop ffmpeg."""
        if self._process.stdin is not None:
            with contextlib.suppress(OSError):
                self._process.stdin.close()
        try:
            self._process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._reader.join(timeout=1)  # the last frames, flushed at the close

    def _read(self) -> None:
        stdout = self._process.stdout
        if stdout is None:  # Popen was given stdout=PIPE
            return
        while block := os.read(stdout.fileno(), 65536):
            with self._grew:
                self._pcm += block
                self._grew.notify_all()
