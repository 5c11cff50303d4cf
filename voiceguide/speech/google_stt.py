"""Google Web Speech: online transcription through SpeechRecognition (opt-in).

The audio leaves the machine, so this is never the default. When Google cannot be
reached the failure is retryable (EngineUnavailableError).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .base import EngineUnavailableError, NoSpeechError, Pcm, SpeechError, Transcript
from .recognition import audio_data, is_silent, speech_recognition_module, transcript


class GoogleRecognizer:
    """Sends FLAC to Google's Web Speech endpoint and returns its best guess."""

    name = "google"

    def __init__(self, language: str = "en-US", timeout: float = 30.0) -> None:
        speech_recognition_module()
        self.language = language
        self.timeout = timeout
        """Seconds to wait for Google (SpeechRecognition's default is to wait forever)."""

    def transcribe(self, pcm: Pcm, hints: Sequence[str] = (), context: str = "") -> Transcript:
        """Transcribe online; EngineUnavailableError when Google cannot be reached."""
        sr = speech_recognition_module()
        if is_silent(pcm):
            raise NoSpeechError()  # no need to send silence over the network
        recognizer = sr.Recognizer()
        recognizer.operation_timeout = self.timeout
        try:
            text = recognizer.recognize_google(audio_data(pcm), language=self.language)
        except sr.UnknownValueError as e:
            raise NoSpeechError() from e
        except sr.RequestError as e:
            raise EngineUnavailableError(f"The online speech service is unavailable: {e}") from e
        except (TimeoutError, ConnectionError) as e:  # a read timeout escapes RequestError
            raise EngineUnavailableError("The online speech service did not answer.") from e
        except Exception as e:  # the FLAC encoder or a malformed answer
            raise SpeechError(f"The online speech service failed: {e}") from e
        return transcript(text, pcm, self.name)


def build(config: Mapping[str, Any]) -> GoogleRecognizer:
    """Build the online recognizer for US English."""
    return GoogleRecognizer()
