#!/usr/bin/env python3
"""Measure streamed answers against whole-file uploads: stop-to-transcript, WER, CPU.

Usage: .venv/bin/python scripts/bench_streaming.py [--lengths 10,30,120] [--runs 5]
       [--long-runs 2] [--chunk 0.5] [--after 1.5] [--set KEY=NUMBER]
       .venv/bin/python scripts/bench_streaming.py --people 2,4,8,12

The server path, measured directly: Piper speaks the benchmark reflections of
tests/data/reflections.txt, one after another with a 0.6 s pause between them, into
answers of about 10 s, 30 s and 2 minutes, then `--after` seconds of silence (the page
ends a turn after the person's pause, 1.5 s at the shortest setting, 3 s by default),
encoded as a browser's WebM/Opus. Each answer
is sent through the app (the real Whisper model and the in-process worker pool) twice:

- streamed: the WebM cut into byte pieces of `--chunk` seconds each, each PUT when
  MediaRecorder would have delivered it (real-time pace), then the finish; and
- whole-file: the same WebM in one `POST /api/entries` at the moment the speaking stops.

Stop-to-transcript is from the moment the last piece would arrive (the speaking stops)
to the moment `GET /api/entries/<id>` first says done, polled every 20 ms; the page's own
polling adds to it (see the browser figures in the README). CPU is this process's user
and system time plus its children's (ffmpeg) from the first chunk to the transcript,
per minute of audio. WER is against the reference text, over all runs of a length.

`--people N,...`: N people stream a 30 s answer each at the same time (their starts spread
over the first 10 s), through the one app: stop-to-transcript p50/p95 over them, and the
slowest chunk acknowledgement, for each N; where the figures climb, the queue has grown.
"""

from __future__ import annotations

import argparse
import io
import math
import resource
import statistics
import sys
import tempfile
import time
import uuid
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STAGE, PROMPT = "identify-the-root", "prompt-1"
PAUSE_S = 0.6


def cpu_seconds() -> float:
    """User and system time of this process and its waited-for children."""
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def make_answer(piper, seconds: float, workdir: Path, after: float) -> tuple[str, Path, float]:
    """(reference text, WebM file, audio seconds): sentences with pauses, at least `seconds`,
    then `after` seconds of silence."""
    from scripts.speech_samples import encode, reference_sentences

    frames, rate, texts, total = bytearray(), 22050, [], 0.0
    sentences = reference_sentences()
    n = 0
    while total < seconds:
        text = sentences[n % len(sentences)]
        with wave.open(io.BytesIO(piper.synthesize(text).wav)) as w:
            rate = w.getframerate()
            frames += w.readframes(w.getnframes())
        frames += b"\0\0" * int(PAUSE_S * rate)
        texts.append(text)
        total = len(frames) / 2 / rate
        n += 1
    frames += b"\0\0" * int(max(0.0, after - PAUSE_S) * rate)
    total = len(frames) / 2 / rate
    wav = workdir / f"answer-{seconds:g}.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return " ".join(texts), encode(wav, "webm", workdir), total


def wait_done(client, entry: dict) -> dict:
    """Poll the entry every 20 ms until it is done or failed."""
    while entry["status"] not in ("done", "failed"):
        time.sleep(0.02)
        entry = client.get(f"/api/entries/{entry['id']}").get_json()
    return entry


def streamed(client, data: bytes, audio_s: float, chunk_s: float) -> dict:
    """Send the answer in real-time-paced pieces, then finish; the figures of one run."""
    count = max(1, math.ceil(audio_s / chunk_s))
    size = math.ceil(len(data) / count)
    pieces = [data[i : i + size] for i in range(0, len(data), size)]
    body = {"stage": STAGE, "prompt": PROMPT, "client_id": str(uuid.uuid4())}
    stream = client.post("/api/streams", json=body).get_json()
    cpu = cpu_seconds()
    started = time.perf_counter()
    acks = []
    for number, piece in enumerate(pieces):
        due = started + (number + 1) * audio_s / len(pieces)
        time.sleep(max(0.0, due - time.perf_counter()))
        sent = time.perf_counter()
        ack = client.put(f"/api/streams/{stream['id']}/chunks/{number}", data=piece)
        acks.append(time.perf_counter() - sent)
        if ack.status_code not in (200, 201):
            raise SystemExit(f"chunk {number}: {ack.status_code} {ack.get_json()}")
    stopped = max(time.perf_counter(), started + audio_s)
    finished = client.post(f"/api/streams/{stream['id']}/finish", json={"chunks": len(pieces)})
    entry = wait_done(client, finished.get_json())
    return {
        "latency": time.perf_counter() - stopped,
        "cpu": cpu_seconds() - cpu,
        "text": entry["transcript"] or "",
        "ack_p50": statistics.median(acks),
        "ack_max": max(acks),
        "draft": ack.get_json().get("draft") or "",
    }


def whole_file(client, data: bytes) -> dict:
    """Upload the answer at once, at the stop; the figures of one run."""
    cpu = cpu_seconds()
    started = time.perf_counter()
    form = {
        "stage": STAGE,
        "prompt": PROMPT,
        "client_id": str(uuid.uuid4()),
        "audio": (io.BytesIO(data), "answer.webm", "audio/webm"),
    }
    entry = wait_done(client, client.post("/api/entries", data=form).get_json())
    return {
        "latency": time.perf_counter() - started,
        "cpu": cpu_seconds() - cpu,
        "text": entry["transcript"] or "",
    }


def together(app, data: bytes, audio_s: float, chunk_s: float, people: int) -> list[dict]:
    """`people` sign up, then stream the same answer at once (starts spread over 10 s)."""
    import random
    import threading

    clients = []
    for n in range(people):
        client = app.test_client()
        name, password = f"p{people}x{n}", "calm-river-lantern-42"
        client.post(
            "/auth/register", data={"username": name, "password": password, "confirm": password}
        )
        clients.append(client)
    results: list[dict] = []

    def one(client, delay: float) -> None:
        time.sleep(delay)
        results.append(streamed(client, data, audio_s, chunk_s))

    threads = [threading.Thread(target=one, args=(c, random.uniform(0, 10))) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def p95(values: list[float]) -> float:
    """The 95th percentile (the largest of fewer than 20 values)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def main() -> int:
    """Make the answers, send each both ways, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lengths", default="10,30,120", help="answer lengths, seconds")
    parser.add_argument("--runs", type=int, default=5, help="runs per length (each way)")
    parser.add_argument("--long-runs", type=int, default=2, help="runs for answers over 60 s")
    parser.add_argument("--chunk", type=float, default=0.5, help="seconds per streamed piece")
    parser.add_argument(
        "--after", type=float, default=1.5, help="silence after the answer before the stop"
    )
    parser.add_argument("--people", help="N,...: that many people streaming at once instead")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=NUMBER", help="a setting to try"
    )
    args = parser.parse_args()

    import logging

    from flask_migrate import upgrade

    from scripts.speech_samples import word_error_rate
    from voiceguide import create_app
    from voiceguide.jobs import backends
    from voiceguide.speech import piper_tts, registry
    from voiceguide.speech.recognition import cores

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    piper = piper_tts.build({})
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        app = create_app(
            {
                "DATA_DIR": str(workdir / "data"),
                "AUDIO_CACHE": str(workdir / "cache"),
                "SECRET_KEY": "bench",
                "START_WORKER": True,
                "WTF_CSRF_ENABLED": False,  # timing transcription, not the forms
                "RATELIMIT_ENABLED": False,
                "WARM_NARRATION": False,  # no Piper rendering the program in the background
                **{k: float(v) for k, v in (item.split("=", 1) for item in args.set)},
            }
        )
        with app.app_context():
            upgrade()
        client = app.test_client()
        password = "calm-river-lantern-42"
        client.post(
            "/auth/register", data={"username": "bench", "password": password, "confirm": password}
        )
        client.get("/healthz")  # starts the worker, as the first page view would
        registry.stt(app)  # loaded as a server warms up; not per answer
        settings = args.set or "default"
        if args.people:
            text, webm, audio_s = make_answer(piper, 30, workdir, args.after)
            print("| people at once | stop to transcript p50 / p95 | slowest acknowledgement |")
            print("| --- | --- | --- |")
            for people in (int(x) for x in args.people.split(",")):
                found = together(app, webm.read_bytes(), audio_s, args.chunk, people)
                latencies = [r["latency"] for r in found]
                slowest = max(r["ack_max"] for r in found) * 1000
                print(f"| {people} | {statistics.median(latencies):.2f} / {p95(latencies):.2f} s | "
                      f"{slowest:.0f} ms |", flush=True)  # fmt: skip
            backends.stop(app)
            return 0
        print(f"{cores()} cores; pieces of {args.chunk:g} s; pause between sentences {PAUSE_S} s; "
              f"silence before the stop {args.after:g} s; settings {settings}\n")  # fmt: skip
        print(
            "| answer | way | runs | stop to transcript p50 / p95 | WER | CPU s per answer-minute |"
        )
        print("| --- | --- | --- | --- | --- | --- |")
        for length in (float(x) for x in args.lengths.split(",")):
            text, webm, audio_s = make_answer(piper, length, workdir, args.after)
            data = webm.read_bytes()
            runs = args.long_runs if length > 60 else args.runs
            results: dict[str, list[dict]] = {"streamed": [], "whole file": []}
            for _ in range(runs):
                results["streamed"].append(streamed(client, data, audio_s, args.chunk))
                results["whole file"].append(whole_file(client, data))
            for way, found in results.items():
                latencies = [r["latency"] for r in found]
                wer = statistics.mean(word_error_rate(text, r["text"]) for r in found)
                cpu = statistics.median(r["cpu"] for r in found) / (audio_s / 60)
                print(
                    f"| {audio_s:.0f} s | {way} | {runs} | {statistics.median(latencies):.2f} / "
                    f"{p95(latencies):.2f} s | {wer:.1%} | {cpu:.1f} |",
                    flush=True,
                )
            acks = [r["ack_p50"] for r in results["streamed"]]
            worst = max(r["ack_max"] for r in results["streamed"])
            print(f"|   | (chunk acknowledgement p50 {statistics.median(acks) * 1000:.0f} ms, "
                  f"slowest {worst * 1000:.0f} ms) | | | | |", flush=True)  # fmt: skip
        backends.stop(app)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
