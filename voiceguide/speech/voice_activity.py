"""Where speech pauses: Silero voice activity (shipped with faster-whisper), found as it grows.

The model scores each 32 ms window independently (its recurrent state does not carry
between windows in faster-whisper's batched call), so the scores of new windows can be
computed alone and appended: the work per chunk is the chunk's own length.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WINDOW = 512
"""Samples per voice-activity window at 16 kHz (32 ms)."""
RATE = 16000


def speech_scores(samples: bytes) -> list[float]:
    """The speech probability of each whole 512-sample window of 16-bit PCM."""
    import numpy as np
    from faster_whisper.vad import get_vad_model

    count = len(samples) // 2 // WINDOW
    if count == 0:
        return []
    audio = np.frombuffer(samples[: count * WINDOW * 2], dtype=np.int16).astype(np.float32)
    scores = get_vad_model()(audio / 32768.0)
    return [float(s) for s in scores.reshape(-1)[:count]]


@dataclass
class PauseFinder:
    """Cuts a growing recording into segments at pauses, and tells when speech has ended."""

    min_pause_s: float = 0.5
    """A pause this long after speech closes a segment (cut in its middle)."""
    min_segment_s: float = 0.0
    """A pause closes a segment only this long after its start: Whisper's cost per call is
    nearly fixed (it always encodes a 30 s window), so fewer, longer segments cost less."""
    long_pause_s: float = 1.0
    """A pause this long closes a segment of any length: it is where an answer ends (the
    page stops after 1.5 s at the shortest), so only silence is left for the finish."""
    max_segment_s: float = 20.0
    """A segment without such a pause is cut at its quietest window after this long."""
    threshold: float = 0.5
    scores: list[float] = field(default_factory=list)
    segment_start: int = 0
    """First window of the open segment."""

    def add(self, scores: list[float]) -> list[tuple[int, int]]:
        """Append window scores; return the segments that closed, as (first, end) windows."""
        self.scores += scores
        closed = []
        while (cut := self._next_cut()) is not None:
            closed.append((self.segment_start, cut))
            self.segment_start = cut
        return closed

    def trailing_silence_s(self) -> float:
        """Seconds since the last window of speech (0 while speaking)."""
        quiet = 0
        for score in reversed(self.scores):
            if score >= self.threshold:
                break
            quiet += 1
        return quiet * WINDOW / RATE

    @property
    def heard_speech(self) -> bool:
        """Whether any window so far was speech."""
        return any(s >= self.threshold for s in self.scores)

    def _next_cut(self) -> int | None:
        pause = round(self.min_pause_s * RATE / WINDOW)
        long_pause = round(self.long_pause_s * RATE / WINDOW)
        shortest = round(self.min_segment_s * RATE / WINDOW)
        start, scores = self.segment_start, self.scores
        spoke, quiet = False, 0
        for i in range(start, len(scores)):
            if scores[i] >= self.threshold:
                spoke, quiet = True, 0
            elif spoke:
                quiet += 1
                cut = i - quiet // 2  # the middle of the pause
                if quiet >= long_pause or (quiet >= pause and cut - start >= shortest):
                    return cut
        longest = round(self.max_segment_s * RATE / WINDOW)
        if spoke and len(scores) - start >= longest:
            window = scores[start + longest // 2 : start + longest]
            return start + longest // 2 + window.index(min(window))
        return None


def seconds(windows: int) -> float:
    """Windows -> seconds."""
    return windows * WINDOW / RATE
