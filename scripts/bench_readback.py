#!/usr/bin/env python3
"""Where a read-back's first sound goes, step by step, with the real Piper voice: loading it,
its first (cold) synthesis, a warm synthesis of the first piece against the whole first
sentence, and the ffmpeg MP3 encoding the stream used to do per sentence.

Usage: .venv/bin/python scripts/bench_readback.py [--runs 5]
Nothing is written to disk; prints medians (the machine may be shared: say so).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ANSWER = "I noticed the morning light on the kitchen table. It was quiet, and I sat a while."


def main() -> int:
    """Time each step and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from voiceguide.speech import piper_tts
    from voiceguide.speech.audio import ffmpeg_exe
    from voiceguide.speech.streaming import pieces, sentences

    started = time.perf_counter()
    voice = piper_tts.build({})  # loads the voice and runs it once (the warm-up)
    print(f"voice loaded and warmed: {time.perf_counter() - started:.2f} s")

    def median_ms(text: str) -> tuple[float, bytes]:
        times, wav = [], b""
        for _ in range(args.runs):
            t = time.perf_counter()
            wav = voice.synthesize(text).wav
            times.append(time.perf_counter() - t)
        return statistics.median(times) * 1000, wav

    first_piece = pieces(ANSWER)[0][0]
    first_sentence = ANSWER.split(". ")[0] + "."
    piece_ms, _ = median_ms(first_piece)
    sentence_ms, wav = median_ms(first_sentence)
    print(f"warm synthesis, first piece ({len(first_piece.split())} words): {piece_ms:.0f} ms")
    print(
        f"warm synthesis, whole first sentence ({len(first_sentence.split())} words): "
        f"{sentence_ms:.0f} ms"
    )
    command = [
        ffmpeg_exe(),
        *("-hide_banner", "-loglevel", "error", "-f", "wav", "-i", "pipe:0"),
        *("-f", "mp3", "-b:a", "48k", "pipe:1"),
    ]
    times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        subprocess.run(command, input=wav, capture_output=True, check=True)
        times.append(time.perf_counter() - t)
    print(
        f"ffmpeg MP3 encoding of that sentence (the old stream, per sentence): "
        f"{statistics.median(times) * 1000:.0f} ms"
    )
    print(f"pieces: {sentences(ANSWER)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
