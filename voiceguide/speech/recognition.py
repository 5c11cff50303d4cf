"""Glue shared by the SpeechRecognition-based engines: AudioData, silence, tidy text."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from .audio import AudioSegment
from .base import NoSpeechError, Pcm, SetupError, Transcript, Word

if TYPE_CHECKING:
    import speech_recognition

SILENCE_DBFS = -55.0
"""A recording whose loudest 100 ms stays below this level holds no speech.

Speech into a browser microphone peaks around -30 to -5 dBFS even when quiet;
a muted or unplugged microphone gives digital silence (-inf) or a faint hiss
around -60. Whisper makes words up from such audio ("you", "Thank you."), so
it is refused before any engine runs.
"""
WINDOW_MS = 100


def speech_recognition_module() -> Any:
    """Import SpeechRecognition, naming the package when it is missing."""
    try:
        import speech_recognition
    except ImportError as e:
        raise SetupError("speech recognition needs the 'SpeechRecognition' package") from e
    return speech_recognition


def audio_data(pcm: Pcm) -> speech_recognition.AudioData:
    """Wrap decoded PCM (16-bit mono) in SpeechRecognition's AudioData."""
    return speech_recognition_module().AudioData(pcm.data, pcm.sample_rate, 2)


def loudest_dbfs(pcm: Pcm) -> float:
    """Level of the loudest 100 ms window, in dBFS (-inf for digital silence)."""
    segment = AudioSegment(pcm.data, sample_width=2, frame_rate=pcm.sample_rate, channels=1)
    levels = [chunk.dBFS for chunk in segment[::WINDOW_MS]]
    return max(levels, default=float("-inf"))


def is_silent(pcm: Pcm, threshold: float = SILENCE_DBFS) -> bool:
    """True when the audio is too quiet anywhere to hold speech."""
    return loudest_dbfs(pcm) < threshold


def tidy(text: str) -> str:
    """Collapse the whitespace engines leave between segments."""
    return " ".join(text.split())


def transcript(text: str, pcm: Pcm, engine: str, words: tuple[Word, ...] = ()) -> Transcript:
    """The engine's answer, tidied; NoSpeechError when there is nothing in it."""
    text = tidy(text)
    if not text:
        raise NoSpeechError()
    return Transcript(text=text, seconds=pcm.seconds, engine=engine, words=words)


def cores() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
