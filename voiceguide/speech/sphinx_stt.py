"""CMU Sphinx: the offline fallback, through SpeechRecognition's recognize_sphinx.

Less accurate than Whisper, but small and quick to load; SpeechRecognition ships
its en-US model data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .base import NoSpeechError, Pcm, SetupError, SpeechError, Transcript
from .recognition import audio_data, is_silent, speech_recognition_module, transcript


class SphinxRecognizer:
    """Transcribes with pocketsphinx; each call builds its own decoder (thread-safe)."""

    name = "sphinx"

    def __init__(self, language: str = "en-US") -> None:
        speech_recognition_module()
        try:
            import pocketsphinx  # noqa: F401
        except ImportError as e:
            raise SetupError("the sphinx engine needs the 'pocketsphinx' package") from e
        self.language = language

    def transcribe(self, pcm: Pcm, hints: Sequence[str] = (), context: str = "") -> Transcript:
        """Transcribe; NoSpeechError when Sphinx finds no words (hints are not used)."""
        sr = speech_recognition_module()
        if is_silent(pcm):
            raise NoSpeechError()
        try:
            text = sr.Recognizer().recognize_sphinx(audio_data(pcm), language=self.language)
        except sr.UnknownValueError as e:
            raise NoSpeechError() from e
        except sr.RequestError as e:  # Sphinx reports a broken installation this way
            raise SetupError(f"Sphinx is not set up correctly: {e}") from e
        except Exception as e:  # pocketsphinx's own errors have no common base
            raise SpeechError(f"Sphinx could not transcribe the audio: {e}") from e
        return transcript(text, pcm, self.name)


def build(config: Mapping[str, Any]) -> SphinxRecognizer:
    """Build the Sphinx recognizer for US English."""
    return SphinxRecognizer()
