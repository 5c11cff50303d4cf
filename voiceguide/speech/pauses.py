"""Pauses written into narration text (`[pause]`, `[pause 3]`), rendered as silence."""

from __future__ import annotations

import io
import re
import wave

from .audio import wav_bytes
from .base import SpeechError, Synthesis, TextToSpeech

PAUSE = re.compile(r"\[pause(?:\s+(\d+(?:\.\d+)?)\s*s?)?\]")
"""A pause marker: `[pause]` (DEFAULT_PAUSE_S) or `[pause 4]` (seconds)."""
DEFAULT_PAUSE_S = 2.0


def segments(spoken: str) -> list[str | float]:
    """The text pieces and pause lengths (seconds) of narration text, in order."""
    found: list[str | float] = []
    at = 0
    for match in PAUSE.finditer(spoken):
        if spoken[at : match.start()].strip():
            found.append(spoken[at : match.start()].strip())
        found.append(float(match.group(1) or DEFAULT_PAUSE_S))
        at = match.end()
    if spoken[at:].strip():
        found.append(spoken[at:].strip())
    return found


def plain(spoken: str) -> str:
    """The words alone, as a person reads them."""
    return " ".join(PAUSE.sub(" ", spoken).split())


def _frames(synthesis: Synthesis) -> tuple[bytes, int]:
    with wave.open(io.BytesIO(synthesis.wav)) as wav:
        if (wav.getsampwidth(), wav.getnchannels()) != (2, 1):
            raise SpeechError("pauses need 16-bit mono audio from the engine")
        return wav.readframes(wav.getnframes()), wav.getframerate()


def synthesize(engine: TextToSpeech, spoken: str) -> Synthesis:
    """Speak narration text with any engine; each pause becomes that much silence."""
    pieces = segments(spoken)
    if not any(isinstance(p, float) for p in pieces):
        return engine.synthesize(plain(spoken))
    chunks: list[bytes | float] = []
    rate = 0
    for piece in pieces:
        if isinstance(piece, float):
            chunks.append(piece)
            continue
        frames, piece_rate = _frames(engine.synthesize(piece))
        if rate and piece_rate != rate:
            raise SpeechError("the engine changed its sample rate between sentences")
        rate = piece_rate
        chunks.append(frames)
    rate = rate or 22050
    frames = b"".join(b"\x00\x00" * int(rate * c) if isinstance(c, float) else c for c in chunks)
    return Synthesis(wav=wav_bytes(frames, rate), sample_rate=rate, seconds=len(frames) / 2 / rate)
