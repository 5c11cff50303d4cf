"""The speech seam: engine protocols, result types and the error tree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


class SpeechError(Exception):
    """Base of every error raised by a speech engine."""


class SetupError(SpeechError):
    """An engine cannot be built: unknown name, missing package or model."""


class EngineUnavailableError(SpeechError):
    """An engine is reachable in principle but did not answer (network, service down).

    Retryable; the HTTP layer maps it to 503.
    """


class AudioDecodeError(SpeechError):
    """Uploaded bytes could not be decoded as audio (422)."""


class DecodeTimeoutError(AudioDecodeError):
    """Decoding ran past its hard time limit and was stopped."""


class NoSpeechError(SpeechError):
    """The audio decoded but no speech was recognised in it."""

    def __init__(self, message: str = "No speech was recognised") -> None:
        super().__init__(message)


@dataclass(frozen=True)
class Synthesis:
    """Audio made by a TTS engine: WAV bytes and what they hold."""

    wav: bytes
    sample_rate: int
    seconds: float


@dataclass(frozen=True)
class Word:
    """One recognised word and how sure the recogniser was of it."""

    text: str
    """As the engine wrote it, punctuation included (" Hello,")."""
    probability: float
    """0 to 1: the engine's own probability for the word."""


@dataclass(frozen=True)
class Transcript:
    """What a STT engine heard."""

    text: str
    seconds: float
    """Length of the audio that was transcribed."""
    engine: str
    words: tuple[Word, ...] = ()
    """Per-word confidences, in order, from engines that give them (Whisper); else empty."""


@dataclass(frozen=True)
class Pcm:
    """Decoded audio ready for recognition: 16 kHz, mono, 16-bit little-endian."""

    data: bytes
    sample_rate: int = 16000

    @property
    def seconds(self) -> float:
        """Duration in seconds."""
        return len(self.data) / 2 / self.sample_rate


@runtime_checkable
class TextToSpeech(Protocol):
    """A narration engine."""

    name: str

    @property
    def cache_key(self) -> str:
        """Engine, voice and options: everything besides the text that changes the audio."""
        ...

    def synthesize(self, text: str) -> Synthesis:
        """Speak `text`; raise SpeechError subclasses on failure."""
        ...


@runtime_checkable
class SpeechToText(Protocol):
    """A transcription engine."""

    name: str

    def transcribe(self, pcm: Pcm, hints: Sequence[str] = (), context: str = "") -> Transcript:
        """Transcribe 16 kHz mono PCM; raise NoSpeechError when nothing was said.

        `hints` are phrases the speaker is likely to say (voice commands); an engine
        that can bias its recognition towards them does, the others ignore them.
        `context` is what the speaker said just before this audio (a streamed answer's
        earlier segments): an engine that can continue from it does.
        """
        ...
