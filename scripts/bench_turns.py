#!/usr/bin/env python3
"""Measure turn-taking in Chromium with a fake microphone (Piper speaks the answer):
end of speech -> the recording's stop, the "saved" cue (the server's 2xx), the transcript and
the next question's first audio; and Read it back pressed -> its first sound (in the browser,
where the card fetched the first phrase ahead), with the server's times to make the first
phrase on demand and the whole answer.

Usage: .venv/bin/python scripts/bench_turns.py [--runs 3]
Real engines (Piper, Whisper tiny.en), a temporary data directory; prints medians.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ANSWER = "I noticed the morning light on the kitchen table."
LEAD_S, TAIL_S = 0.3, 8.0
PROGRAM = ROOT / "tests" / "data" / "short-program.yaml"  # a data file, not test code
WATCH = """
window.__t = {};
document.addEventListener('DOMContentLoaded', () => {
  const rec = document.getElementById('recording');
  new MutationObserver(() => {
    if (!rec.hidden && !window.__t.rec) window.__t.rec = performance.now();
    if (rec.hidden && window.__t.rec && !window.__t.stop) window.__t.stop = performance.now();
  }).observe(rec, {attributes: true});
  const answer = document.getElementById('answer');
  new MutationObserver(() => {
    if (!answer.hidden && !window.__t.card) window.__t.card = performance.now();
  }).observe(answer, {attributes: true});
});
document.addEventListener('playing', (e) => {
  const src = e.target.currentSrc || '';
  const q2 = e.target.id === 'narration' && src.includes(window.__q2);
  if (q2 && !window.__t.q2) window.__t.q2 = performance.now();
  if (e.target.id === 'readback' && !window.__t.rb) window.__t.rb = performance.now();
}, true);
"""
# The read-back through Web Audio marks its first sound on the page (js/readback.js).
READBACK_AT = "window.__t.rb || Number(document.documentElement.dataset.readbackSoundAt) || 0"


def wait_for(page, expression: str, timeout: float, every: float = 0.02) -> float:
    """Poll `expression` until it is truthy (the page's CSP forbids wait_for_function)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = page.evaluate(f"() => {expression}")
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(expression)


def speech_wav(folder: Path) -> tuple[Path, float]:
    """The answer spoken by Piper, with silence around it; and how long the speech lasts."""
    from voiceguide.speech import piper_tts

    synthesis = piper_tts.build({}).synthesize(ANSWER)
    with wave.open(io.BytesIO(synthesis.wav)) as spoken:
        rate, frames = spoken.getframerate(), spoken.readframes(spoken.getnframes())
    path = folder / "answer.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\0\0" * int(rate * LEAD_S) + frames + b"\0\0" * int(rate * TAIL_S))
    return path, len(frames) / 2 / rate


def main() -> int:
    """Run the browser a few times and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import logging

    from flask_migrate import upgrade
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from voiceguide import create_app
    from voiceguide.cli import pregenerate_all

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    saved, q2, readback, server_first = [], [], [], []
    stopped, card, server_phrase = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        wav, speech_s = speech_wav(Path(tmp))
        app = create_app(
            {
                "DATA_DIR": f"{tmp}/data",
                "AUDIO_CACHE": f"{tmp}/cache",
                "PROGRAM_FILE": str(PROGRAM),
                "SECRET_KEY": "bench",
                "WORKERS": 1,
                "REGISTER_RATE_LIMIT": "1000 per hour",
            }
        )
        with app.app_context():
            upgrade()
        pregenerate_all(app, progress=False)  # a warm cache, as after the first start
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.port}"
        with sync_playwright() as driver:
            browser = driver.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=[
                    "--headless=new",
                    "--no-sandbox",
                    "--use-fake-device-for-media-stream",
                    "--use-fake-ui-for-media-stream",
                    "--autoplay-policy=no-user-gesture-required",
                    f"--use-file-for-fake-audio-capture={wav}",
                ],
            )
            for run in range(args.runs):
                page = browser.new_context(base_url=base).new_page()
                page.add_init_script(WATCH)
                page.goto("/auth/register")
                page.fill("input[name=username]", f"bench{run}")
                page.fill("input[name=password]", "calm-river-lantern-42")
                page.fill("input[name=confirm]", "calm-river-lantern-42")
                page.get_by_role("button", name="Create account").click()
                page.wait_for_load_state()
                page.get_by_label("I have kept my recovery key somewhere safe").check()
                page.get_by_role("button", name="Continue").click()
                page.wait_for_load_state()
                page.goto("/stages/first-steps")
                q2_path = page.locator("li[data-part='prompt-2']").get_attribute("data-audio")
                page.evaluate(f"window.__q2 = {q2_path!r}")
                page.locator("li[data-part='prompt-1'] .play-from").click()
                wait_for(page, "window.__t.q2", timeout=90, every=0.1)
                wait_for(page, "window.__t.card", timeout=30, every=0.1)
                t = page.evaluate("window.__t")
                cue = float(page.evaluate("document.documentElement.dataset.savedCueAt"))
                # The fake microphone starts its file when the recording opens it.
                end_of_speech = t["rec"] + (LEAD_S + speech_s) * 1000
                saved.append((cue - end_of_speech) / 1000)
                q2.append((t["q2"] - end_of_speech) / 1000)
                stopped.append((t["stop"] - end_of_speech) / 1000)
                card.append((t["card"] - end_of_speech) / 1000)
                page.get_by_role("button", name="Pause", exact=True).click()
                clicked = page.evaluate("performance.now()")
                page.locator("#answer").get_by_role("button", name="Read it back").click()
                readback.append((wait_for(page, READBACK_AT, timeout=30) - clicked) / 1000)
                entry = page.locator("#answer").get_attribute("data-entry")
                started = time.perf_counter()
                page.request.get(f"/api/entries/{entry}/speech?part=first").body()
                server_phrase.append(time.perf_counter() - started)
                started = time.perf_counter()
                page.request.get(f"/api/entries/{entry}/speech").body()
                server_first.append(time.perf_counter() - started)
                page.context.close()
            browser.close()
        server.shutdown()

    def line(label: str, values: list[float]) -> None:
        shown = ", ".join(f"{v:.2f}" for v in values)
        print(f"{label}: median {statistics.median(values):.2f} s ({shown})")

    print(f"answer: {speech_s:.1f} s of speech; auto-stop after 3 s of quiet (the default)")
    line("end of speech -> recording stopped", stopped)
    line("end of speech -> saved cue (the server's 2xx)", saved)
    line("end of speech -> transcript shown", card)
    line("end of speech -> next question's first audio", q2)
    line("Read it back pressed -> first audio (browser)", readback)
    line("read-back's first phrase made on demand (server, no fetch ahead)", server_phrase)
    line("read-back, whole response (server, all sentences)", server_first)
    return 0


if __name__ == "__main__":
    sys.exit(main())
