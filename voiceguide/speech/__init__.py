"""Speech engines behind small interfaces: narration (TTS) and transcription (STT)."""

from .base import (
    AudioDecodeError,
    EngineUnavailableError,
    NoSpeechError,
    Pcm,
    SetupError,
    SpeechError,
    SpeechToText,
    Synthesis,
    TextToSpeech,
    Transcript,
)

__all__ = [
    "AudioDecodeError",
    "EngineUnavailableError",
    "NoSpeechError",
    "Pcm",
    "SetupError",
    "SpeechError",
    "SpeechToText",
    "Synthesis",
    "TextToSpeech",
    "Transcript",
]
