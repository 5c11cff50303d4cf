#!/usr/bin/env python3
"""Measure what the journal's playable copy costs: CPU seconds per answer-minute.

Usage: .venv/bin/python scripts/bench_playable.py [--rounds 7] [--minutes 1 3 10]

Piper speaks the thirty-second reflection (tests/data/reflection_30s.txt), repeated to
each length asked for, encoded as a browser uploads it (WebM/Opus through a pipe, so
without a duration). Each round times, as the job does it (jobs/playable.make_copy):
decrypting the sealed upload into a private temporary file, ffmpeg's AAC encoding with
the index in front, reading the copy's duration, and sealing it. CPU seconds are this
process's plus its children's (ffmpeg). Printed as JSON: per length, the median CPU and
wall seconds of a copy, CPU seconds per answer-minute, and the sizes.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def cpu_seconds() -> float:
    """CPU time of this process and its finished children, user and system."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def browser_upload(wav: Path, minutes: float, out: Path) -> Path:
    """`wav` looped to `minutes`, as Chromium's MediaRecorder would send it (WebM/Opus)."""
    from scripts.speech_samples import BROWSER_FORMATS
    from voiceguide.speech.audio import ffmpeg_exe

    command = [ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-stream_loop", "-1"]
    command += ["-i", str(wav), "-t", f"{minutes * 60:.1f}", "-ac", "1"]
    done = subprocess.run(
        [*command, *BROWSER_FORMATS["webm"], "pipe:1"], capture_output=True, check=True
    )
    out.write_bytes(done.stdout)
    return out


def one_copy(sealed_upload: bytes, name: str, key: bytes, folder: Path) -> tuple[int, float]:
    """What the job does for one copy; (sealed copy's bytes, duration)."""
    from voiceguide.journal import sealed
    from voiceguide.speech.audio import encode_playable, ffmpeg_exe
    from voiceguide.speech.probe import probe

    cipher = sealed.RecordingCipher(key)
    reader = cipher.reader(io.BytesIO(sealed_upload), len(sealed_upload), name)
    with sealed.plain_copy(reader) as original:
        copy = folder / "playable.m4a"
        encode_playable(str(original), str(copy))
        seconds = probe(ffmpeg_exe(), str(copy), "mp4").seconds or 0.0
        out = io.BytesIO()
        with copy.open("rb") as source:
            cipher.seal(source, out, "1/copy.m4a")
        copy.unlink()
    return len(out.getvalue()), seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--minutes", type=float, nargs="+", default=[1.0, 3.0, 10.0])
    args = parser.parse_args()

    from scripts.speech_samples import long_reflection, speak
    from voiceguide.journal import sealed
    from voiceguide.speech import piper_tts

    key = os.urandom(32)
    results = []
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        wav = speak(piper_tts.build({}), long_reflection(), folder / "reflection.wav")
        for minutes in args.minutes:
            upload = browser_upload(wav, minutes, folder / f"upload-{minutes:g}.webm")
            sealed_upload = io.BytesIO()
            with upload.open("rb") as source:
                sealed.RecordingCipher(key).seal(source, sealed_upload, "1/upload.webm")
            cpu, wall = [], []
            size, seconds = 0, 0.0
            for _ in range(args.rounds):
                started_cpu, started = cpu_seconds(), time.perf_counter()
                size, seconds = one_copy(sealed_upload.getvalue(), "1/upload.webm", key, folder)
                cpu.append(cpu_seconds() - started_cpu)
                wall.append(time.perf_counter() - started)
            results.append(
                {
                    "answer_minutes": minutes,
                    "copy_duration_s": seconds,
                    "median_cpu_s": round(statistics.median(cpu), 3),
                    "median_wall_s": round(statistics.median(wall), 3),
                    "cpu_s_per_answer_minute": round(statistics.median(cpu) / minutes, 3),
                    "upload_bytes": upload.stat().st_size,
                    "sealed_copy_bytes": size,
                }
            )
    print(json.dumps({"rounds": args.rounds, "copies": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
