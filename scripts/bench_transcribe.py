#!/usr/bin/env python3
"""Measure transcription: real-time factor and WER per offline engine, upload-to-done, memory.

Usage: .venv/bin/python scripts/bench_transcribe.py [--rounds 1]

Piper speaks the reference reflections of tests/data/reflections.txt (nothing is
downloaded, no audio is committed). Each is transcribed by voiceguide's whisper
engine (model loaded once), its sphinx engine, and SpeechRecognition's own
`recognize_faster_whisper` with the same bundled model (which loads it per call).
Then a thirty-second reflection is uploaded as WebM through the app, with the real
worker, and timed until its entry is done. Last, a fresh process loads both engines
and reports its resident memory (VmRSS, VmHWM).
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(func, *args, **kwargs) -> tuple[object, float]:
    """(result, seconds)."""
    started = time.perf_counter()
    result = func(*args, **kwargs)
    return result, time.perf_counter() - started


def corpus_wer(references: list[str], hypotheses: list[str]) -> float:
    """Word error rate over all sentences together, case and punctuation normalised."""
    import jiwer

    from scripts.speech_samples import normalise

    return jiwer.wer([normalise(r) for r in references], [normalise(h) for h in hypotheses])


def bench_engines(pcms: list, references: list[str], rounds: int) -> dict[str, dict]:
    """Time and score each engine on every sentence; medians of per-sentence figures."""
    from speech_recognition import Recognizer

    from voiceguide.speech import sphinx_stt, whisper_stt
    from voiceguide.speech.base import NoSpeechError
    from voiceguide.speech.recognition import audio_data

    whisper, load_s = timed(whisper_stt.build, {})
    sphinx = sphinx_stt.build({})
    model_path = whisper_stt.default_model_path()
    options = whisper.options

    def sr_own(pcm):
        return Recognizer().recognize_faster_whisper(
            audio_data(pcm),
            model=model_path,
            language="en",
            beam_size=options.beam_size,
            vad_filter=options.vad_filter,
            init_options={"device": "cpu", "compute_type": "int8"},
        )

    greedy = whisper_stt.WhisperRecognizer(
        model_path, dataclasses.replace(options, beam_size=1 if options.beam_size > 1 else 5)
    )
    contenders = {
        "whisper (voiceguide, model loaded once)": lambda pcm: whisper.transcribe(pcm).text,
        f"whisper, beam size {greedy.options.beam_size} instead": lambda pcm: (
            greedy.transcribe(pcm).text
        ),
        "sphinx (voiceguide)": lambda pcm: sphinx.transcribe(pcm).text,
        "recognize_faster_whisper (SpeechRecognition)": sr_own,
    }
    results: dict[str, dict] = {}
    for name, transcribe in contenders.items():
        transcribe(pcms[0])  # warm-up: first-call costs are not per-request costs
        seconds, rtfs, texts = [], [], []
        for _ in range(rounds):
            texts = []
            for pcm in pcms:
                try:
                    text, spent = timed(transcribe, pcm)
                except NoSpeechError:
                    text, spent = "", float("nan")
                texts.append(text)
                seconds.append(spent)
                rtfs.append(spent / pcm.seconds)
        results[name] = {
            "median_s": statistics.median(seconds),
            "median_rtf": statistics.median(rtfs),
            "wer": corpus_wer(references, texts),
        }
    results["whisper (voiceguide, model loaded once)"]["load_s"] = load_s
    return results


def bench_upload(piper, workdir: Path) -> dict:
    """Upload a ~30 s reflection as WebM through the app; seconds until its entry is done."""
    from flask_migrate import upgrade

    from scripts.speech_samples import encode, long_reflection, speak, word_error_rate
    from voiceguide import create_app
    from voiceguide.jobs import backends

    app = create_app(
        {
            "DATA_DIR": str(workdir / "data"),
            "AUDIO_CACHE": str(workdir / "cache"),
            "SECRET_KEY": "bench",
            "START_WORKER": True,
            "WTF_CSRF_ENABLED": False,  # timing transcription, not the forms
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade()
    text = long_reflection()
    webm = encode(speak(piper, text, workdir / "reflection.wav"), "webm", workdir)
    client = app.test_client()
    password = "calm-river-lantern-42"
    client.post(
        "/auth/register", data={"username": "bench", "password": password, "confirm": password}
    )
    client.get("/healthz")  # starts the worker, as the first page view would
    from voiceguide.speech import registry

    _, engine_load_s = timed(registry.stt, app)  # as a server warms up; not per upload
    form = {
        "stage": "identify-the-root",
        "prompt": "prompt-1",
        "client_id": str(uuid.uuid4()),
        "audio": (io.BytesIO(webm.read_bytes()), "reflection.webm", "audio/webm"),
    }
    started = time.perf_counter()
    response = client.post("/api/entries", data=form)
    acknowledged = time.perf_counter() - started
    entry = response.get_json()
    while entry["status"] not in ("done", "failed"):
        time.sleep(0.02)
        entry = client.get(f"/api/entries/{entry['id']}").get_json()
    done = time.perf_counter() - started
    backends.stop(app)
    return {
        "audio_s": entry["duration_s"],
        "ack_s": acknowledged,
        "done_s": done,
        "status": entry["status"],
        "wer": word_error_rate(text, entry["transcript"] or ""),
        "engine_load_s": engine_load_s,
    }


def memory_probe(wav: str) -> None:
    """In a fresh process: build the app, load both engines, transcribe `wav` with each; RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        from voiceguide import create_app
        from voiceguide.speech import registry
        from voiceguide.speech.audio import decode_file

        base = {"DATA_DIR": tmp, "AUDIO_CACHE": tmp, "SECRET_KEY": "x", "START_WORKER": False}
        pcm = decode_file(wav)
        before = _status_mib("VmRSS")
        apps = [create_app({**base, "STT_ENGINE": name}) for name in ("whisper", "sphinx")]
        for app in apps:
            registry.stt(app).transcribe(pcm)
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent.
        figures = {"rss_mib": _status_mib("VmRSS"), "peak_mib": _status_mib("VmHWM")}
        print(json.dumps({**figures, "rss_before_engines_mib": before}))


def _status_mib(field: str) -> float:
    """A memory figure of this process from /proc/self/status (Linux), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    """Run every measurement and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=1, help="passes over the sentences")
    parser.add_argument("--memory-probe", metavar="WAV", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_probe:
        memory_probe(args.memory_probe)
        return 0

    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    from scripts.speech_samples import reference_sentences, speak
    from voiceguide.speech import piper_tts
    from voiceguide.speech.audio import decode_file
    from voiceguide.speech.recognition import cores

    references = reference_sentences()
    piper = piper_tts.build({})
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        pcms = [
            decode_file(str(speak(piper, text, workdir / f"s{n}.wav")))
            for n, text in enumerate(references)
        ]
        audio_total = sum(p.seconds for p in pcms)
        print(f"{len(pcms)} sentences spoken by Piper, {audio_total:.1f} s of audio; "
              f"{cores()} cores; {args.rounds} round(s)\n")  # fmt: skip
        results = bench_engines(pcms, references, args.rounds)
        print(f"{'engine':46} {'median s':>9} {'median RTF':>11} {'WER':>7}")
        for name, r in results.items():
            print(f"{name:46} {r['median_s']:9.3f} {r['median_rtf']:11.3f} {r['wer']:7.1%}")
        ours = results["whisper (voiceguide, model loaded once)"]
        theirs = results["recognize_faster_whisper (SpeechRecognition)"]
        print(f"\nwhisper model load (once per process): {ours['load_s']:.2f} s")
        print(f"recognize_faster_whisper / voiceguide whisper, median time per sentence: "
              f"{theirs['median_s'] / ours['median_s']:.2f}x")  # fmt: skip

        upload = bench_upload(piper, workdir)
        print(f"\nupload to done, {upload['audio_s']:.1f} s reflection as WebM, real worker: "
              f"202 after {upload['ack_s']:.2f} s, {upload['status']} after "
              f"{upload['done_s']:.2f} s (WER {upload['wer']:.1%}; model was loaded "
              f"beforehand in {upload['engine_load_s']:.2f} s)")  # fmt: skip

        probe = subprocess.run(
            [sys.executable, __file__, "--memory-probe", str(workdir / "s0.wav")],
            capture_output=True,
            text=True,
            check=True,
        )
    memory = json.loads(probe.stdout.strip().splitlines()[-1])
    print(f"\nresident memory, fresh process with the app and both engines loaded: "
          f"{memory['rss_mib']:.0f} MiB (peak {memory['peak_mib']:.0f} MiB; "
          f"{memory['rss_before_engines_mib']:.0f} MiB before the engines)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
