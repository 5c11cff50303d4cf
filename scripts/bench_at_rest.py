"""What encryption at rest costs a person: sign-in, a 10-minute recording, 1,000 entries.

Runs the app in-process (Flask's test client, no network) on a temporary data directory
with the production argon2id cost, and prints medians of: sign-in; storing a 10-minute
WebM/Opus answer (the upload, decoded as every upload is; transcription not run) and
reading it back whole and by a Range request; and, with 1,000 typed entries, the journal
page, an API search and a journal-page search. With --store-only-runs it also times the
recordings store alone on the same file (sealing and opening, or a plain copy before).

Works on any revision since the layout (issue 6), so the same script measures before and
after (run it from a checkout of each):

    .venv/bin/python scripts/bench_at_rest.py [--runs 7] [--entries 1000]
"""

from __future__ import annotations

import argparse
import io
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from flask_migrate import upgrade

sys.path.insert(0, str(Path.cwd()))  # the checkout it is run from, not an installed one
from voiceguide import create_app
from voiceguide.speech.audio import ffmpeg_exe

PASSWORD = "calm-river-lantern-42"
WORDS = [
    "trust",
    "bridge",
    "river",
    "morning",
    "anger",
    "letter",
    "sister",
    "promise",
    "quiet",
    "garden",
    "window",
    "answer",
    "afraid",
    "honest",
    "return",
    "winter",
    "kitchen",
    "forgive",
    "listen",
    "brother",
    "careful",
    "evening",
]


def median_ms(runs: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def ten_minute_webm(folder: Path) -> bytes:
    """600 s of a wavering tone as WebM/Opus at 32 kbit/s, like a browser's recording."""
    out = folder / "answer.webm"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
         "sine=frequency=220:duration=600,vibrato=f=3", "-ac", "1", "-c:a", "libopus",
         "-b:a", "32k", str(out)],
        check=True,
    )  # fmt: skip
    return out.read_bytes()


def store_only(app, user_id: int, audio: bytes, runs: int) -> tuple[float, float]:
    """(write, read) ms of the store alone: sealed after issue 12, a plain copy before."""
    folder = Path(tempfile.mkdtemp(prefix="bench-store-"))
    source = folder / "plain.webm"
    source.write_bytes(audio)
    target = folder / "stored"
    try:
        from voiceguide.journal import sealed  # after issue 12
    except ImportError:
        sealed = None
    with app.app_context():
        if sealed is None:
            return (
                median_ms(runs, lambda: shutil.copyfile(source, target)),
                median_ms(runs, lambda: target.read_bytes()),
            )
        cipher = sealed.RecordingCipher(bytes(32))

        def write() -> None:
            with source.open("rb") as src, target.open("wb") as out:
                cipher.seal(src, out, "1/x.webm")

        def read() -> None:
            raw = target.open("rb")
            with cipher.reader(raw, target.stat().st_size, "1/x.webm") as reader:
                while reader.read(64 * 1024):
                    pass

        return median_ms(runs, write), median_ms(runs, read)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--entries", type=int, default=1000)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench-at-rest-"))
    app = create_app(
        {
            "DATA_DIR": str(root / "data"),
            "AUDIO_CACHE": str(root / "audio_cache"),
            "SECRET_KEY": "bench",
            "START_WORKER": False,
            # 1,000 answers in a minute is the point here. (RATELIMIT_ENABLED=False would
            # break sign-in: signin_limits reads the limiter's storage.)
            "UPLOAD_RATE_LIMIT": "100000 per minute",
            "LOGIN_RATE_LIMIT_ADDRESS": "100000 per minute",
            "WTF_CSRF_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade()
    client = app.test_client()
    form = {"username": "bench", "password": PASSWORD, "confirm": PASSWORD}
    client.post("/auth/register", data=form)

    def sign_in() -> None:
        client.post("/auth/logout")
        response = client.post("/auth/login", data={"username": "bench", "password": PASSWORD})
        assert response.status_code == 303, response.status_code

    print(f"sign-in: {median_ms(args.runs, sign_in):.0f} ms")

    audio = ten_minute_webm(root)
    ids: list[int] = []

    def upload() -> None:
        form = {
            "stage": "identify-the-root", "prompt": "prompt-1", "client_id": str(uuid.uuid4()),
            "audio": (io.BytesIO(audio), "answer.webm", "audio/webm"),
        }  # fmt: skip
        response = client.post("/api/entries", data=form)
        assert response.status_code == 202, response.get_data(as_text=True)
        ids.append(response.get_json()["id"])

    print(f"store a 10-minute answer ({len(audio) / 1e6:.1f} MB WebM/Opus, upload incl. "
          f"decode): {median_ms(args.runs, upload):.0f} ms")  # fmt: skip

    def read_back() -> None:
        response = client.get(f"/api/entries/{ids[0]}/audio")
        assert response.data == audio

    def read_range() -> None:
        response = client.get(f"/api/entries/{ids[0]}/audio", headers={"Range": "bytes=1000000-"})
        assert response.status_code == 206

    print(f"read it back whole: {median_ms(args.runs, read_back):.1f} ms; "
          f"from the middle (Range): {median_ms(args.runs, read_range):.1f} ms")  # fmt: skip
    write, read = store_only(app, 1, audio, args.runs)
    print(f"the store alone on that file: write {write:.1f} ms, read {read:.1f} ms")

    for delete in ids:
        client.delete(f"/api/entries/{delete}")
    rng = random.Random(12)
    for _ in range(args.entries):
        text = " ".join(rng.choice(WORDS) for _ in range(60))
        form = {"stage": "identify-the-root", "prompt": "prompt-1",
                "client_id": str(uuid.uuid4()), "text": text}  # fmt: skip
        assert client.post("/api/entries", data=form).status_code == 201
    page = median_ms(args.runs, lambda: client.get("/journal"))
    search = median_ms(args.runs, lambda: client.get("/api/entries?q=forgive+brother"))
    page_search = median_ms(args.runs, lambda: client.get("/journal?q=forgive+brother"))
    print(f"{args.entries} entries: journal page {page:.0f} ms; search (API) {search:.0f} ms; "
          f"search (journal page) {page_search:.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
