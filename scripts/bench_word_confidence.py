#!/usr/bin/env python3
"""Measure what word confidences cost: Whisper with and without word timestamps.

Usage: .venv/bin/python scripts/bench_word_confidence.py [--rounds 5]

Piper speaks the reference reflections of tests/data/reflections.txt and the thirty-second
one (nothing downloaded, nothing committed). voiceguide's whisper engine (the bundled
tiny.en model, loaded once, one thread) transcribes each clip with `word_confidence` off
and on, alternating, `--rounds` times. Printed: the median seconds per clip of each, the
median of the per-clip ratios, and the words' probabilities (how many fall below a few
thresholds), as JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    from scripts.speech_samples import long_reflection, reference_sentences, speak
    from voiceguide.speech import piper_tts, whisper_stt
    from voiceguide.speech.audio import decode_file

    piper = piper_tts.build({})
    texts = [*reference_sentences(), long_reflection()]
    with tempfile.TemporaryDirectory() as folder:
        pcms = [
            decode_file(str(speak(piper, text, Path(folder) / f"s{n}.wav")))
            for n, text in enumerate(texts)
        ]
    plain = whisper_stt.build({"WORKERS": 1})
    with_words = whisper_stt.WhisperRecognizer(
        plain.model_path, replace(plain.options, word_confidence=True)
    )
    plain.options = replace(plain.options, word_confidence=False)
    plain.transcribe(pcms[0])  # warm up both paths
    with_words.transcribe(pcms[0])

    times: dict[str, list[float]] = {"off": [], "on": []}
    ratios: list[float] = []
    probabilities: list[float] = []
    for _ in range(args.rounds):
        for pcm in pcms:
            started = time.process_time()
            plain.transcribe(pcm)
            off = time.process_time() - started
            started = time.process_time()
            result = with_words.transcribe(pcm)
            on = time.process_time() - started
            times["off"].append(off)
            times["on"].append(on)
            ratios.append(on / off)
            probabilities += [w.probability for w in result.words]
    audio_s = statistics.median(p.seconds for p in pcms)
    words = len(probabilities)
    print(
        json.dumps(
            {
                "clips": len(pcms),
                "rounds": args.rounds,
                "median_clip_audio_s": round(audio_s, 2),
                "median_cpu_s_without_words": round(statistics.median(times["off"]), 3),
                "median_cpu_s_with_words": round(statistics.median(times["on"]), 3),
                "median_ratio_with_to_without": round(statistics.median(ratios), 3),
                "words_seen": words,
                "share_below": {
                    str(t): round(sum(p < t for p in probabilities) / max(1, words), 3)
                    for t in (0.3, 0.4, 0.5, 0.6, 0.7)
                },
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
