#!/usr/bin/env python3
"""Stop-to-transcript on screen, through the real stage page in Chromium, streamed vs whole-file.

Usage: .venv/bin/python scripts/bench_page_latency.py [--lengths 10,30,120] [--runs 3]
       [--long-runs 1]

Piper speaks the benchmark reflections (tests/data/reflections.txt) with 0.6 s pauses
into answers of about 10 s, 30 s and 2 minutes, then silence; Chromium's fake microphone
plays each (`--use-file-for-fake-audio-capture`) on a stage page served by the app with
the real Whisper model and the in-process worker pool. The page's pause setting is 1.5 s,
so the recording stops by itself 1.5 s after the answer. Measured in the page: from the
moment the recording panel hides (the recording has stopped) to the moment the answer's
transcript is on screen. Whole-file: the same, with `/api/streams` refused by the
browser, so the page falls back to uploading the file at the stop (as before issue 13).
Needs Debian's Chromium at /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import io
import math
import statistics
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "calm-river-lantern-42"
PAUSE_S = 0.6
TAIL_S = 20.0  # silence after the answer (the fake microphone loops the file)
WATCH = """
window.__stopAt = null; window.__shownAt = null;
new MutationObserver(() => {
  const rec = document.getElementById('recording');
  const text = document.getElementById('answer-text');
  if (rec && !rec.hidden) window.__recording = true;
  if (rec && rec.hidden && window.__recording && window.__stopAt === null) {
    window.__stopAt = performance.now();
  }
  if (window.__stopAt !== null && window.__shownAt === null && text && text.textContent.trim()) {
    window.__shownAt = performance.now();
  }
}).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
localStorage.setItem('voiceguide:prefs', JSON.stringify({pauseSeconds: 1.5}));
localStorage.setItem('voiceguide:mic-checked', 'true');
"""


def answer_wav(piper, seconds: float, path: Path) -> float:
    """Write sentences with pauses (at least `seconds`), then TAIL_S of silence; their length."""
    from scripts.speech_samples import reference_sentences

    frames, rate, total, n = bytearray(), 22050, 0.0, 0
    sentences = reference_sentences()
    while total < seconds:
        with wave.open(io.BytesIO(piper.synthesize(sentences[n % len(sentences)]).wav)) as w:
            rate = w.getframerate()
            frames += w.readframes(w.getnframes())
        frames += b"\0\0" * int(PAUSE_S * rate)
        total = len(frames) / 2 / rate
        n += 1
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\0\0" * int(0.3 * rate) + bytes(frames) + b"\0\0" * int(TAIL_S * rate))
    return total


def serve(workdir: Path, max_seconds: float) -> str:
    """The app on a free port in this process (threads), like `flask serve`; its URL."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from voiceguide import create_app
    from voiceguide.speech import registry

    app = create_app(
        {
            "DATA_DIR": str(workdir / "data"),
            "AUDIO_CACHE": str(workdir / "cache"),
            "PROGRAM_FILE": str(ROOT / "tests" / "data" / "short-program.yaml"),
            "SECRET_KEY": "bench",
            "START_WORKER": True,
            "RATELIMIT_ENABLED": False,
            "WARM_NARRATION": False,  # no Piper rendering the program in the background
            "MAX_RECORDING_SECONDS": max_seconds,
            "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
        }
    )
    with app.app_context():
        upgrade()
    registry.stt(app)
    registry.tts(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


def one_answer(driver, url: str, wav: Path, streamed: bool, n: int) -> float:
    """Sign up, start at the first question, wait for the transcript; stop-to-screen seconds."""
    args = [
        "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        "--autoplay-policy=no-user-gesture-required", f"--use-file-for-fake-audio-capture={wav}",
    ]  # fmt: skip
    browser = driver.chromium.launch(executable_path=CHROMIUM, args=args)
    try:
        context = browser.new_context(base_url=url)
        context.set_default_timeout(300_000)
        context.add_init_script(WATCH)
        page = context.new_page()
        if not streamed:
            page.route("**/api/streams**", lambda route: route.abort())
        name = f"bench{n}{'s' if streamed else 'w'}{int(time.time() * 1000) % 10**8}"
        page.goto("/auth/register")
        page.fill("input[name=username]", name)
        page.fill("input[name=password]", PASSWORD)
        page.fill("input[name=confirm]", PASSWORD)
        page.get_by_role("button", name="Create account").click()
        page.wait_for_load_state()
        page.goto("/stages/first-steps")
        page.locator("li[data-part='prompt-1'] .play-from").click()
        # Polled from here: the page's CSP refuses the string evaluation wait_for_function uses.
        deadline = time.monotonic() + 400
        while page.evaluate("window.__shownAt") is None:
            if time.monotonic() > deadline:
                raise SystemExit("no transcript on screen within 400 s")
            time.sleep(0.05)
        return page.evaluate("(window.__shownAt - window.__stopAt) / 1000")
    finally:
        browser.close()


def main() -> int:
    """Make the answers, play each through the page both ways, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lengths", default="10,30,120", help="answer lengths, seconds")
    parser.add_argument("--runs", type=int, default=3, help="runs per length and way")
    parser.add_argument("--long-runs", type=int, default=1, help="runs for answers over 60 s")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is not installed (Debian package 'chromium')")
        return 1

    import logging

    from playwright.sync_api import sync_playwright

    from voiceguide.speech import piper_tts

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    piper = piper_tts.build({})
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as driver:
        workdir = Path(tmp)
        url = serve(workdir, 600)
        print("| answer | way | runs | stop to transcript on screen p50 / p95 |")
        print("| --- | --- | --- | --- |")
        for length in (float(x) for x in args.lengths.split(",")):
            wav = workdir / f"answer-{length:g}.wav"
            spoken = answer_wav(piper, length, wav)
            runs = args.long_runs if length > 60 else args.runs
            for streamed in (True, False):
                found = [one_answer(driver, url, wav, streamed, n) for n in range(runs)]
                ordered = sorted(found)
                p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
                way = "streamed" if streamed else "whole file"
                print(f"| {spoken:.0f} s | {way} | {runs} | {statistics.median(found):.2f} / "
                      f"{p95:.2f} s |", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
