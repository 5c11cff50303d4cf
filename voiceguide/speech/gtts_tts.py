"""gTTS: online narration through Google Translate's speech endpoint (opt-in)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from .base import EngineUnavailableError, SetupError, Synthesis


class GoogleNarrator:
    """Sends the text to Google; returns WAV decoded from the MP3 it answers with."""

    name = "gtts"
    offline = False
    """Online: never used to read a person's own words back."""

    def __init__(self, lang: str = "en", tld: str = "com", slow: bool = False):
        try:
            import gtts  # noqa: F401
        except ImportError as e:
            raise SetupError("the gtts engine needs the 'gTTS' package") from e
        self.lang, self.tld, self.slow = lang, tld, slow

    @property
    def cache_key(self) -> str:
        """Engine, voice and options."""
        return f"gtts|{self.lang}|{self.tld}|slow={self.slow}"

    def synthesize(self, text: str) -> Synthesis:
        """Ask Google for speech; raise EngineUnavailableError when it cannot be reached."""
        from gtts import gTTS, gTTSError

        from .audio import AudioSegment, ffmpeg_exe

        mp3 = io.BytesIO()
        try:
            gTTS(text=text, lang=self.lang, tld=self.tld, slow=self.slow).write_to_fp(mp3)
        except (gTTSError, OSError) as e:
            raise EngineUnavailableError("The narration service is unavailable.") from e
        if mp3.tell() == 0:
            raise EngineUnavailableError("The narration service returned no audio.")
        ffmpeg_exe()
        mp3.seek(0)
        try:
            segment = AudioSegment.from_file(mp3, format="mp3", codec="mp3")
        except Exception as e:  # pydub raises CouldntDecodeError or IndexError
            raise EngineUnavailableError("The narration service returned broken audio.") from e
        wav = io.BytesIO()
        segment.export(wav, format="wav")
        return Synthesis(
            wav=wav.getvalue(), sample_rate=segment.frame_rate, seconds=len(segment) / 1000
        )


def build(config: Mapping[str, Any]) -> GoogleNarrator:
    """Build the online narrator (language from VOICEGUIDE_GTTS_LANG is not needed yet)."""
    return GoogleNarrator()
