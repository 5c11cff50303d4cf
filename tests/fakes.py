"""Engine fakes for unit tests: fast, deterministic, counting their calls."""

from __future__ import annotations

import math
import struct
import threading
import time
from collections.abc import Sequence

from voiceguide.speech.audio import wav_bytes
from voiceguide.speech.base import NoSpeechError, Pcm, Synthesis, Transcript, Word


def tone_wav(seconds: float = 1.0, rate: int = 22050, freq: float = 440.0) -> bytes:
    """A sine tone as 16-bit mono WAV."""
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * freq * i / rate)))
        for i in range(int(seconds * rate))
    )
    return wav_bytes(frames, rate)


class FakeTTS:
    """Speaks every text as a one-second tone; counts calls; can be slowed down."""

    name = "fake"
    cache_key = "fake|tone"
    offline = True

    def __init__(self, delay: float = 0.0):
        self.calls: list[str] = []
        self.delay = delay
        self._lock = threading.Lock()

    def synthesize(self, text: str) -> Synthesis:
        with self._lock:
            self.calls.append(text)
        time.sleep(self.delay)
        return Synthesis(wav=tone_wav(), sample_rate=22050, seconds=1.0)


class FakeSTT:
    """Returns a preset transcript; raises NoSpeechError for an empty one."""

    name = "fake"

    def __init__(self, text: str = "a fake transcript"):
        self.text = text
        self.words: tuple[Word, ...] = ()
        """Per-word confidences to give, as Whisper does (none by default, like sphinx)."""
        self.calls = 0

    def transcribe(self, pcm: Pcm, hints: Sequence[str] = (), context: str = "") -> Transcript:
        self.calls += 1
        self.hints = tuple(hints)
        self.context = context
        self.seconds = pcm.seconds
        if not self.text:
            raise NoSpeechError()
        return Transcript(text=self.text, seconds=pcm.seconds, engine=self.name, words=self.words)


def build_tts(config) -> FakeTTS:
    """Registry factory for the fake narrator."""
    return FakeTTS()


def build_stt(config) -> FakeSTT:
    """Registry factory for the fake recogniser."""
    return FakeSTT()
