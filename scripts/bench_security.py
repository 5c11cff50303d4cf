"""Sign-in time and upload throughput, to show what the security hardening costs a person.

Runs the app in-process (Flask's test client, no network) on a temporary data directory
with the production password hashing, signs in RUNS times and uploads a WAV recording
RUNS times (decoded with the bundled ffmpeg as every upload is; transcription is not run),
and prints the medians. Works on any revision since the layout (issue 6), so the same script
measures before and after:

    .venv/bin/python scripts/bench_security.py [--runs 9] [--seconds 20]
"""

from __future__ import annotations

import argparse
import io
import math
import re
import statistics
import struct
import sys
import tempfile
import time
import uuid
import wave
from pathlib import Path

from flask_migrate import upgrade

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from voiceguide import create_app  # the checkout's package, not an installed one

PASSWORD = "calm-river-lantern-42"
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def speech_like_wav(seconds: float, rate: int = 16000) -> bytes:
    """A mono 16-bit WAV of a wavering tone: real audio to decode, nothing to transcribe."""
    frames = bytearray()
    for n in range(int(seconds * rate)):
        t = n / rate
        sample = 0.3 * math.sin(2 * math.pi * (220 + 40 * math.sin(3 * t)) * t)
        frames += struct.pack("<h", int(sample * 32767))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return out.getvalue()


def token(client, path: str) -> str:
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the recording")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench-security-"))
    app = create_app(
        {
            "DATA_DIR": str(root / "data"),
            "AUDIO_CACHE": str(root / "audio_cache"),
            "SECRET_KEY": "bench",
            "START_WORKER": False,  # measure the upload path, not transcription
        }
    )
    with app.app_context():
        upgrade()
    client = app.test_client()
    client.post(
        "/auth/register",
        data={
            "username": "bench",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "csrf_token": token(client, "/auth/register"),
        },
    )

    sign_in: list[float] = []
    for _ in range(args.runs):
        client.post("/auth/logout", data={"csrf_token": token(client, "/")})
        form = {"username": "bench", "password": PASSWORD}
        form["csrf_token"] = token(client, "/auth/login")
        started = time.perf_counter()
        response = client.post("/auth/login", data=form)
        sign_in.append(time.perf_counter() - started)
        assert response.status_code == 303, response.status_code

    audio = speech_like_wav(args.seconds)
    headers = {"X-CSRFToken": token(client, "/")}
    uploads: list[float] = []
    for _ in range(args.runs):
        form = {
            "stage": "identify-the-root",
            "prompt": "prompt-1",
            "client_id": str(uuid.uuid4()),
            "audio": (io.BytesIO(audio), "answer.wav", "audio/wav"),
        }
        started = time.perf_counter()
        response = client.post("/api/entries", data=form, headers=headers)
        uploads.append(time.perf_counter() - started)
        assert response.status_code == 202, response.get_data(as_text=True)

    upload = statistics.median(uploads)
    megabytes = len(audio) / 1_048_576
    print(f"sign-in: median {statistics.median(sign_in) * 1000:.0f} ms over {args.runs} runs")
    print(
        f"upload ({megabytes:.2f} MB, {args.seconds:g} s WAV): median {upload * 1000:.0f} ms, "
        f"{megabytes / upload:.1f} MB/s over {args.runs} runs"
    )


if __name__ == "__main__":
    main()
