#!/usr/bin/env python3
"""Measure narration: Piper real-time factor, whole-program pregeneration, cached response times,
and the speaking rate in words per minute.

Usage: .venv/bin/python scripts/bench_narration.py [--requests 200]
       .venv/bin/python scripts/bench_narration.py --wpm-only [--length-scale 1.1]
Runs against a temporary data directory and cache; prints medians and percentiles.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def words_per_minute(engine, program) -> None:
    """Print the speaking rate: words over the audio's length, per part (median), without the
    pauses written into the program and with them."""
    from voiceguide.speech import pauses

    bare, paced = [], []
    total_words = total_seconds = 0.0
    for stage in program.stages:
        for part in stage.parts:
            words = len(part.text.split())
            speech = engine.synthesize(part.text).seconds
            written = sum(s for s in pauses.segments(part.spoken) if isinstance(s, float))
            bare.append(words / speech * 60)
            paced.append(words / (speech + written) * 60)
            total_words += words
            total_seconds += speech
    options = getattr(engine, "options", None)
    print(
        f"speaking rate over {len(bare)} parts ({options}):"
        f" median {statistics.median(bare):.0f} words/min"
        f" (min {min(bare):.0f}, max {max(bare):.0f});"
        f" with the program's written pauses: median {statistics.median(paced):.0f} words/min;"
        f" whole program without written pauses: {total_words / total_seconds * 60:.0f} words/min"
    )


def main() -> int:
    """Run the measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--wpm-only", action="store_true", help="only the speaking rate")
    parser.add_argument(
        "--length-scale", type=float, default=None, help="Piper's length scale (default: ours)"
    )
    parser.add_argument("--sentence-pause", type=float, default=None, help="seconds")
    args = parser.parse_args()
    if args.wpm_only:
        from voiceguide.config import DEFAULT_PROGRAM
        from voiceguide.program import load_program
        from voiceguide.speech import piper_tts

        options = piper_tts.PiperOptions()
        if args.length_scale is not None or args.sentence_pause is not None:
            options = piper_tts.PiperOptions(
                length_scale=args.length_scale or options.length_scale,
                sentence_pause=args.sentence_pause or options.sentence_pause,
            )
        words_per_minute(piper_tts.build({}, options), load_program(DEFAULT_PROGRAM))
        return 0

    import logging

    from werkzeug.serving import make_server

    from voiceguide import create_app
    from voiceguide.cli import pregenerate_all
    from voiceguide.narration import narration
    from voiceguide.speech import registry

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {"DATA_DIR": f"{tmp}/data", "AUDIO_CACHE": f"{tmp}/cache", "START_WORKER": False}
        )
        program = app.extensions["voiceguide.program"]
        texts = list(dict.fromkeys(p.text for s in program.stages for p in s.parts))

        started = time.perf_counter()
        engine = registry.tts(app)
        load_s = time.perf_counter() - started
        print(f"voice load: {load_s:.2f} s ({engine.cache_key})")
        words_per_minute(engine, program)

        ratios, audio_total, synth_total = [], 0.0, 0.0
        for text in texts:
            t0 = time.perf_counter()
            synthesis = engine.synthesize(text)
            elapsed = time.perf_counter() - t0
            ratios.append(elapsed / synthesis.seconds)
            audio_total += synthesis.seconds
            synth_total += elapsed
        print(
            f"piper real-time factor over {len(texts)} parts:"
            f" median {statistics.median(ratios):.3f}"
            f" (min {min(ratios):.3f}, max {max(ratios):.3f}); total {synth_total:.1f} s"
            f" for {audio_total:.0f} s of speech ({synth_total / audio_total:.3f})"
        )

        counts = pregenerate_all(app, progress=False)
        print(
            f"pregeneration, whole program from an empty cache: {counts['seconds']:.1f} s"
            f" ({counts['made']} parts, synthesis + MP3 encoding + atomic write)"
        )

        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        with app.test_request_context():
            key = narration().key_for(program.stages[0].parts[0])
        url = f"http://127.0.0.1:{server.port}/narration/{key}.mp3"
        times = []
        for _ in range(args.requests):
            t0 = time.perf_counter()
            with urllib.request.urlopen(url) as response:
                size = len(response.read())
            times.append((time.perf_counter() - t0) * 1000)
        server.shutdown()
        print(
            f"cached narration over HTTP, {args.requests} requests of {size / 1024:.0f} KiB:"
            f" p50 {percentile(times, 50):.2f} ms, p95 {percentile(times, 95):.2f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
