"""Browser fixtures: the app on a free port, Debian's Chromium through Playwright, and a fake
microphone fed from WAV files that Piper speaks.

Servers and browsers are made once per session and shared; every test signs up a person of
its own, so tests never see each other's journal entries.
"""

from __future__ import annotations

import io
import shutil
import struct
import threading
import wave
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from voiceguide import create_app
from voiceguide.speech import registry

CHROMIUM = "/usr/bin/chromium"
SHORT_PROGRAM = Path(__file__).resolve().parent.parent / "data" / "short-program.yaml"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]

# What the fake microphone says. Piper speaks each; the file is padded with silence so that
# the session's auto-stop triggers before Chromium loops the file back to the start.
PHRASES = {
    "answer": "I noticed the morning light on the kitchen table.",
    "repeat": "Repeat.",
    # The two-word form: through the browser's Opus and a looping fake microphone, a lone
    # "Skip." was still misheard about one run in six (clean audio: 8 of 8 with hints).
    "skip": "Next question.",
    # Longer than a voice command can be (2.5 s of speech): streamed while it is spoken.
    "story": "When my friend told me she was hurt, I wanted to explain myself. "
    "This time I just listened until she was finished.",
    "resume": "Resume.",
}
LEAD_SILENCE_S = 0.3
TAIL_SILENCE_S = 8.0
# Other timings of a phrase: (phrase, silence before, silence after). "answer-loop" says the
# answer every few seconds (any few seconds of a turn hold speech); "late-resume" starts
# with quiet longer than a test's give-up time, then says "Resume."
TIMED = {
    "answer-loop": ("answer", LEAD_SILENCE_S, 2.0),
    "late-resume": ("resume", 5.0, 4.0),
}


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium binary, or a skip (with the reason printed) when it is not installed."""
    if not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} is not installed (Debian package 'chromium'; .ci/run installs it)"
        print(f"\nskipping browser tests: {reason}")
        pytest.skip(reason)
    return CHROMIUM


# ---- the app -------------------------------------------------------------------------------


class LiveServer:
    """A werkzeug server running the app in a background thread."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, chromium):
    """`live_server(stt="fake")`: the app on the short program, served; one per STT engine.

    The fake narrator makes every part a one-second tone; `stt="whisper"` transcribes with
    the real offline engine (for tests where the words must match what was spoken).
    """
    saved = dict(registry.TTS_ENGINES), dict(registry.STT_ENGINES)
    registry.TTS_ENGINES["fake"] = "tests.fakes:build_tts"
    registry.STT_ENGINES["fake"] = "tests.fakes:build_stt"
    servers: dict[str, LiveServer] = {}

    def get(stt: str = "fake") -> LiveServer:
        if stt not in servers:
            root = tmp_path_factory.mktemp(f"live-{stt}")
            app = create_app(
                {
                    "DATA_DIR": str(root / "data"),
                    "AUDIO_CACHE": str(root / "audio_cache"),
                    "PROGRAM_FILE": str(SHORT_PROGRAM),
                    "TTS_ENGINE": "fake",
                    "STT_ENGINE": stt,
                    "SECRET_KEY": "browser-test-secret",
                    "START_WORKER": True,
                    "WORKERS": 1,
                    "WTF_CSRF_ENABLED": True,
                    # Every test signs up from 127.0.0.1. (Not RATELIMIT_ENABLED=False: the
                    # limiter is a module global, and that setting would stick to later apps.)
                    "REGISTER_RATE_LIMIT": "1000 per hour",
                    "LOGIN_RATE_LIMIT_ADDRESS": "1000 per hour",
                    "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
                }
            )
            with app.app_context():
                upgrade()
            servers[stt] = LiveServer(app)
        return servers[stt]

    yield get
    for server in servers.values():
        server.stop()
    registry.TTS_ENGINES.clear()
    registry.TTS_ENGINES.update(saved[0])
    registry.STT_ENGINES.clear()
    registry.STT_ENGINES.update(saved[1])


# ---- the fake microphone -------------------------------------------------------------------


def _peak(frames: bytes) -> int:
    samples = struct.unpack(f"<{len(frames) // 2}h", frames)
    return max(abs(s) for s in samples)


@pytest.fixture(scope="session")
def speech_wavs(tmp_path_factory) -> dict[str, Path]:
    """16-bit PCM WAV files of PHRASES spoken by Piper, padded with silence."""
    from voiceguide.speech import piper_tts

    narrator = piper_tts.build({})
    folder = tmp_path_factory.mktemp("speech")
    wavs = {}
    timings = {name: (name, LEAD_SILENCE_S, TAIL_SILENCE_S) for name in PHRASES} | TIMED
    for name, (phrase, lead, tail) in timings.items():
        text = PHRASES[phrase]
        with wave.open(io.BytesIO(narrator.synthesize(text).wav)) as spoken:
            rate = spoken.getframerate()
            assert (spoken.getsampwidth(), spoken.getnchannels()) == (2, 1)
            frames = spoken.readframes(spoken.getnframes())
        assert _peak(frames) > 3000, f"Piper's {name!r} is (nearly) silent"
        path = folder / f"{name}.wav"
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes(b"\0\0" * int(rate * lead))
            out.writeframes(frames)
            out.writeframes(b"\0\0" * int(rate * tail))
        wavs[name] = path
    silent = folder / "silence.wav"
    with wave.open(str(silent), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"\0\0" * 16000 * 2)
    wavs["silence"] = silent
    return wavs


# ---- browsers ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright_driver(chromium):
    """Playwright's sync driver, once per session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def launch(playwright_driver, chromium, tmp_path_factory):
    """`launch(wav, microphone=True)`: a Chromium whose fake microphone plays `wav`.

    With `microphone=False` the permission prompt is not auto-accepted, and headless
    Chromium refuses it: the microphone is "blocked".
    """
    browsers = {}

    def get(wav: Path, microphone: bool = True):
        key = (str(wav), microphone)
        if key not in browsers:
            # Chromium keeps reading the file; a private copy per browser avoids surprises.
            copy = tmp_path_factory.mktemp("mic") / wav.name
            shutil.copy(wav, copy)
            args = [*CHROMIUM_ARGS, f"--use-file-for-fake-audio-capture={copy}"]
            if microphone:
                args.append("--use-fake-ui-for-media-stream")
            browsers[key] = playwright_driver.chromium.launch(executable_path=chromium, args=args)
        return browsers[key]

    yield get
    for browser in browsers.values():
        browser.close()


# Preferences for tests: short auto-stop pause, the microphone check already done.
TEST_PREFS = """
if (!localStorage.getItem('voiceguide:prefs')) {
  localStorage.setItem('voiceguide:prefs', JSON.stringify({pauseSeconds: 1.5}));
  localStorage.setItem('voiceguide:mic-checked', 'true');
}
"""


def _console_error(page, message) -> None:
    """Keep the page's console errors, except the favicon the app does not have."""
    if message.type == "error" and "favicon" not in (message.location or {}).get("url", ""):
        page.console_errors.append(message.text)


@pytest.fixture
def open_page(launch, live_server, speech_wavs):
    """`open_page(mic="answer", stt="fake", microphone=True)`: a fresh page on a live server
    (`viewport`, and `timezone`, an IANA name for the browser's clock, are optional).

    Each call gets its own browser context (cookies, storage), closed after the test;
    console errors are collected on `page.console_errors`.
    """
    contexts = []

    def make(
        mic: str = "answer",
        stt: str = "fake",
        microphone: bool = True,
        prefs: bool = True,
        viewport: dict | None = None,
        timezone: str | None = None,
    ):
        server = live_server(stt)
        browser = launch(speech_wavs[mic], microphone=microphone)
        context = browser.new_context(
            base_url=server.url,
            viewport=viewport or {"width": 1000, "height": 900},
            timezone_id=timezone,
        )
        context.set_default_timeout(15000)
        if prefs:
            context.add_init_script(TEST_PREFS)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda m: _console_error(page, m))
        page.on("pageerror", lambda e: page.console_errors.append(str(e)))
        page.server = server
        return page

    yield make
    for context in contexts:
        context.close()
