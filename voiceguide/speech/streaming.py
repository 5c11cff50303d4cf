"""Speech made on demand and streamed sentence by sentence, in memory only: for a person's
own words read back to them (nothing is written to disk, nothing is cached).

The stream is one WAV whose sizes say "unknown length" (0xFFFFFFFF, as streaming WAV
writers do), followed by 16-bit mono PCM as each piece is made: no encoder process, so the
first sound costs one short Piper synthesis and nothing else. The page plays the PCM through
Web Audio as it arrives (static/js/readback.js).
"""

from __future__ import annotations

import io
import re
import struct
import wave
from collections.abc import Iterator

from .base import SpeechError, TextToSpeech

_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")
MAX_PIECE_WORDS = 18
"""A longer sentence is cut at a comma (or, failing that, by words): the first sound must
come fast, and Piper's time grows with the length of what it speaks."""
FIRST_PIECE_WORDS = 6
"""The first piece is a short phrase (cut at a comma when there is one early enough): it
alone stands between the press of Read it back and the first sound (scripts/bench_turns.py)."""
SENTENCE_PAUSE_S = 0.45
"""Silence after a sentence; a piece cut inside a sentence runs straight on."""
UNKNOWN_SIZE = 0xFFFFFFFF
EMPTY_RATE = 22050
"""The rate a stream without samples says it has (no sample follows, so it is never used)."""


def _cut(words: list[str], most: int, least: int) -> int:
    """Where to cut `words` (more than `most` of them): after the last comma at least
    `least` words in, else after `most` words."""
    head = words[:most]
    comma = max((i for i, w in enumerate(head[:-1]) if w.endswith(",")), default=-1)
    return comma + 1 if comma + 1 >= least else most


def pieces(text: str) -> list[tuple[str, bool]]:
    """`text` in the pieces it is spoken in, each with whether it ends a sentence: none
    longer than MAX_PIECE_WORDS, the first no longer than FIRST_PIECE_WORDS."""
    out: list[tuple[str, bool]] = []
    for sentence in _SENTENCE_END.split(" ".join(text.split())):
        words = sentence.split()
        while words:
            most = FIRST_PIECE_WORDS if not out else MAX_PIECE_WORDS
            # A first sentence just over the limit is not worth splitting into a stub.
            if len(words) <= most or (not out and len(words) <= most + 2):
                out.append((" ".join(words), True))
                break
            cut = _cut(words, most, least=2 if not out else 4)
            out.append((" ".join(words[:cut]), False))
            words = words[cut:]
    return out


def sentences(text: str) -> list[str]:
    """The words of each piece (see `pieces`)."""
    return [words for words, _ in pieces(text)]


def wav_stream_header(sample_rate: int) -> bytes:
    """A 16-bit mono WAV header whose sizes say the length is not known yet."""
    return (
        b"RIFF"
        + struct.pack("<I", UNKNOWN_SIZE)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, sample_rate, sample_rate * 2, 2, 16)
        + b"data"
        + struct.pack("<I", UNKNOWN_SIZE)
    )


def _pcm(wav: bytes) -> tuple[bytes, int]:
    """The frames and rate of a 16-bit mono WAV."""
    try:
        with wave.open(io.BytesIO(wav)) as reader:
            if reader.getsampwidth() != 2 or reader.getnchannels() != 1:
                raise SpeechError("the narration voice did not make 16-bit mono audio")
            return reader.readframes(reader.getnframes()), reader.getframerate()
    except (wave.Error, EOFError) as e:
        raise SpeechError(f"the narration voice made unreadable audio: {e}") from e


PARTS = ("all", "first", "rest")
"""What of a text a stream holds: all of it, its first piece (which a page fetches ahead, so
that Read it back sounds at once), or the rest after that piece."""


def stream_wav(engine: TextToSpeech, text: str, part: str = "all") -> Iterator[bytes]:
    """WAV audio of `text` (or its `part`, see PARTS): the header with the first piece, then
    each piece as it is made."""
    chosen = pieces(text)
    if part == "first":
        chosen = chosen[:1]
    elif part == "rest":
        chosen = chosen[1:]
    rate = 0
    for words, ends_sentence in chosen:
        frames, piece_rate = _pcm(engine.synthesize(words).wav)
        if not rate:
            rate = piece_rate
            frames = wav_stream_header(rate) + frames
        elif piece_rate != rate:
            raise SpeechError("the narration voice changed its sample rate mid-stream")
        if ends_sentence:
            frames += b"\0\0" * int(rate * SENTENCE_PAUSE_S)
        yield frames
    if not rate:  # nothing after the first piece: a header, and no samples to play
        yield wav_stream_header(EMPTY_RATE)
