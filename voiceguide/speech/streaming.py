"""Speech made on demand and streamed sentence by sentence, in memory only: for a person's
own words read back to them (nothing is written to disk, nothing is cached)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator

from .audio import ffmpeg_exe
from .base import SpeechError, TextToSpeech

_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")
MAX_PIECE_WORDS = 18
"""A longer sentence is cut at a comma (or, failing that, by words): the first sound must
come fast, and Piper's time grows with the length of what it speaks."""


def sentences(text: str) -> list[str]:
    """`text` in pieces a listener hears as sentences, none longer than MAX_PIECE_WORDS."""
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(" ".join(text.split())):
        words = sentence.split()
        while len(words) > MAX_PIECE_WORDS:
            head = words[:MAX_PIECE_WORDS]
            comma = max((i for i, w in enumerate(head[:-1]) if w.endswith(",")), default=-1)
            cut = comma + 1 if comma >= 3 else MAX_PIECE_WORDS
            pieces.append(" ".join(words[:cut]))
            words = words[cut:]
        if words:
            pieces.append(" ".join(words))
    return pieces


def mp3_in_memory(wav: bytes, bitrate: str = "48k") -> bytes:
    """Encode WAV to bare MP3 frames through ffmpeg's pipes (no temporary file, no header
    frames, so that pieces can follow one another in one stream)."""
    command = [
        ffmpeg_exe(),
        *("-hide_banner", "-loglevel", "error", "-f", "wav", "-i", "pipe:0"),
        *("-map_metadata", "-1", "-id3v2_version", "0", "-write_xing", "0"),
        *("-f", "mp3", "-b:a", bitrate, "pipe:1"),
    ]
    try:
        done = subprocess.run(command, input=wav, capture_output=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError) as e:
        raise SpeechError(f"ffmpeg could not encode the speech: {e}") from e
    return done.stdout


def stream_mp3(engine: TextToSpeech, text: str) -> Iterator[bytes]:
    """MP3 audio of `text`, one piece per sentence, each yielded as soon as it is made."""
    for piece in sentences(text):
        yield mp3_in_memory(engine.synthesize(piece).wav)
