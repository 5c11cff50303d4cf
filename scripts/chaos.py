"""Reliability campaign against a real `flask --app voiceguide serve`: fuzzing, kill rounds.

    .venv/bin/python scripts/chaos.py [--fuzz 500] [--rounds 6] [--recoveries 3]

Prints the figures of issue 10: fuzz cases tried and server errors found, kill rounds
(SIGKILL and SIGTERM while uploads are in flight) and answers lost, SIGTERM exits that
were not 0, and the recovery time after a SIGKILL (seconds from the restart until every
entry is settled), as a median of several runs. The slow tests use the same harness.

The server runs the real offline Whisper engine (its native threads are what crashed at
exit); narration is gTTS, built but never called, so that start-up stays short.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: `scripts` and `voiceguide` importable

from scripts.fuzz_requests import BOUNDARY, PROMPT, STAGE, Request  # noqa: E402

PASSWORD = "calm-river-lantern-42"
SETTLED = {"done", "failed"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """One `flask serve` process over a data directory."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "VOICEGUIDE_DATA_DIR": str(self.data_dir),
            "VOICEGUIDE_AUDIO_CACHE": str(self.data_dir / "audio_cache"),
            "VOICEGUIDE_TTS_ENGINE": "gtts",
            "VOICEGUIDE_STT_ENGINE": "whisper",
            "VOICEGUIDE_WORKERS": "1",
            "FLASK_APP": "voiceguide",
        }

    def flask(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "flask", "--app", "voiceguide", *args]

    def migrate(self) -> None:
        subprocess.run(
            self.flask("db", "upgrade"), env=self.env(), cwd=ROOT, check=True, capture_output=True
        )

    def start(self, timeout: float = 120) -> float:
        """Start and wait until /healthz answers; return the moment it was started."""
        started = time.monotonic()
        self.process = subprocess.Popen(
            self.flask("serve", "--port", str(self.port)),
            env=self.env(),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode} at start")
            try:
                urllib.request.urlopen(self.url("/healthz"), timeout=1).read()
                return started
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self, sig: int, timeout: float = 60) -> int:
        """Send `sig` and wait for the exit; return the exit status (negative: a signal)."""
        assert self.process is not None
        self.process.send_signal(sig)
        return self.process.wait(timeout)


class Client:
    """A signed-in person: cookies and the CSRF token, plain urllib."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.token = ""

    def register(self, username: str) -> None:
        page = self.opener.open(self.server.url("/auth/register"), timeout=30).read().decode()
        self.token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        form = f"username={username}&password={PASSWORD}&confirm={PASSWORD}&csrf_token={self.token}"
        self.opener.open(self.server.url("/auth/register"), form.encode(), timeout=30).read()
        page = self.opener.open(self.server.url("/"), timeout=30).read().decode()
        self.token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)  # type: ignore[union-attr]

    def send(self, request: Request, timeout: float = 60) -> tuple[int, bytes]:
        headers = {**request.headers, "X-CSRFToken": self.token}
        # Non-ASCII in a path goes as UTF-8 percent-escapes, as a browser sends it.
        path = urllib.parse.quote(request.path, safe="/?&=%+:;,@!$'()*")
        raw = urllib.request.Request(
            self.server.url(path),
            data=request.body or None,
            headers=headers,
            method=request.method,
        )
        try:
            with self.opener.open(raw, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def upload(self, audio: bytes, client_id: str) -> int:
        """POST one spoken answer; the status, or 0 when the connection failed."""
        parts = [
            ("stage", STAGE.encode(), None),
            ("prompt", PROMPT.encode(), None),
            ("client_id", client_id.encode(), None),
            ("audio", audio, "answer.webm"),
        ]
        body = b""
        for name, value, filename in parts:
            extra = f'; filename="{filename}"' if filename else ""
            head = f'Content-Disposition: form-data; name="{name}"{extra}'
            body += f"--{BOUNDARY}\r\n{head}\r\n\r\n".encode() + value + b"\r\n"
        body += f"--{BOUNDARY}--\r\n".encode()
        request = Request(
            "POST",
            "/api/entries",
            body,
            {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
        )
        try:
            return self.send(request)[0]
        except OSError:
            return 0


def entries(data_dir: Path) -> list[tuple[str, str, str | None, str | None]]:
    """(client_id, status, recording_path, playable_path) of every entry, read from the
    database file."""
    with sqlite3.connect(data_dir / "voiceguide.sqlite", timeout=30) as db:
        return db.execute(
            "SELECT client_id, status, recording_path, playable_path FROM entries"
        ).fetchall()


def copies_waiting(data_dir: Path) -> int:
    """Entries whose transcript is out but whose playable copy is still to be made (the
    row keeps its job key until then: jobs/playable.py)."""
    with sqlite3.connect(data_dir / "voiceguide.sqlite", timeout=30) as db:
        return db.execute(
            "SELECT count(*) FROM entries WHERE job_key IS NOT NULL AND playable_path IS NULL"
            " AND status IN ('done', 'failed')"
        ).fetchone()[0]


def wait_settled(data_dir: Path, timeout: float = 300) -> float:
    """Block until no entry is pending or processing and no copy is waiting; return when
    (monotonic)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(row[1] in SETTLED for row in entries(data_dir)) and not copies_waiting(data_dir):
            return time.monotonic()
        time.sleep(0.2)
    raise RuntimeError("entries did not settle")


@dataclass
class Integrity:
    """What a round left: answers acknowledged but lost, orphans, leftovers, unsettled."""

    lost: list[str]
    orphans: list[str]
    partial: list[str]
    not_done: list[str]


def check(data_dir: Path, acked: set[str]) -> Integrity:
    """Every 2xx'd answer has its row and file and ends done; no orphan file; no .part."""
    found = entries(data_dir)
    rows = {client_id: (status, path) for client_id, status, path, _ in found}
    recordings = data_dir / "recordings"
    files = {f"{p.parent.name}/{p.name}" for p in recordings.glob("*/*") if p.is_file()}
    lost = [c for c in acked if c not in rows or rows[c][1] not in files]
    not_done = [c for c in acked if c in rows and rows[c][0] != "done"]
    # A row owns its recording and the recording's playable copy.
    known = {path for row in found for path in row[2:] if path}
    orphans = sorted(f for f in files if not f.split("/")[1].startswith(".") and f not in known)
    partial = sorted(f for f in files if f.split("/")[1].startswith(".upload-"))
    return Integrity(lost, orphans, partial, not_done)


def speech_clip(workdir: Path) -> bytes:
    """A few seconds of speech as a browser's WebM upload (Piper, then ffmpeg)."""
    from scripts.speech_samples import encode, speak
    from voiceguide.speech import piper_tts

    wav = speak(
        piper_tts.build({}), "I would like to listen more and speak less.", workdir / "clip.wav"
    )
    return encode(wav, "webm", workdir).read_bytes()


@dataclass
class Round:
    """One kill round's outcome."""

    signal: str
    exit_status: int
    acked: int
    recovery_s: float | None = None


def interrupted(
    server: Server,
    client: Client,
    clip: bytes,
    sig: int,
    acked: set[str],
    uploads: int = 4,
    rng: random.Random | None = None,
) -> int:
    """Start, upload concurrently, send `sig` mid-way; return the exit status."""
    rng = rng or random.Random()
    server.start()
    if not client.token:
        client.register(f"p{uuid.uuid4().hex[:10]}")
    threads = []
    for _ in range(uploads):

        def go(client_id: str = str(uuid.uuid4())) -> None:
            if 200 <= client.upload(clip, client_id) < 300:
                acked.add(client_id)

        threads.append(threading.Thread(target=go))
    for thread in threads:
        thread.start()
        time.sleep(rng.uniform(0, 0.3))
    time.sleep(rng.uniform(0, 1.0))
    status = server.stop(sig)
    for thread in threads:
        thread.join(60)
    return status


def recover(server: Server) -> float:
    """Restart; seconds from the restart until every entry is settled; then stop."""
    started = server.start()
    seconds = wait_settled(server.data_dir) - started
    server.stop(signal.SIGTERM)
    return seconds


def kill_round(
    server: Server,
    client: Client,
    clip: bytes,
    sig: int,
    acked: set[str],
    rng: random.Random | None = None,
) -> Round:
    """One interrupted run, then a recovery."""
    status = interrupted(server, client, clip, sig, acked, rng=rng)
    return Round(signal.Signals(sig).name, status, len(acked), recover(server))


def fuzz_live(server: Server, client: Client, cases: int, seed: int = 0) -> tuple[int, int]:
    """Send `cases` Hypothesis-made malformed requests; return (tried, server errors)."""
    from hypothesis import HealthCheck, given, settings

    from scripts.fuzz_requests import any_request

    tried, errors = [0], [0]
    entry_id = 1

    @settings(
        max_examples=cases,
        deadline=None,
        database=None,
        derandomize=seed == 0,
        suppress_health_check=list(HealthCheck),
    )
    @given(any_request(entry_id))
    def one(request: Request) -> None:
        tried[0] += 1
        try:
            status, body = client.send(request, timeout=60)
        except OSError:
            status, body = 0, b""
        if status >= 500 or status == 0:
            errors[0] += 1
            print(f"  server error {status}: {request.method} {request.path} {body[:120]!r}")

    one()
    return tried[0], errors[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fuzz", type=int, default=500, help="fuzzed requests")
    parser.add_argument("--rounds", type=int, default=6, help="kill rounds (SIGKILL, SIGTERM)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/voiceguide-chaos"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    data_dir = args.workdir / f"data-{uuid.uuid4().hex[:8]}"
    server = Server(data_dir)
    server.migrate()
    client = Client(server)

    server.start()
    client.register("fuzzer")
    client.upload(speech_clip(args.workdir), str(uuid.uuid4()))
    tried, errors = fuzz_live(server, client, args.fuzz)
    server.stop(signal.SIGTERM)
    print(f"fuzz: {tried} cases, {errors} server errors")

    clip = speech_clip(args.workdir)
    acked: set[str] = set()
    rounds = []
    for n in range(args.rounds):
        sig = signal.SIGKILL if n % 2 == 0 else signal.SIGTERM
        rounds.append(kill_round(server, client, clip, sig, acked, rng=random.Random(n)))
        print(f"  round {n + 1}: {rounds[-1]}")
    result = check(data_dir, acked)
    kills = [r.recovery_s for r in rounds if r.signal == "SIGKILL"]
    bad_exits = [r for r in rounds if r.signal == "SIGTERM" and r.exit_status != 0]
    print(
        f"kill rounds: {len(rounds)}, answers acknowledged: {len(acked)}, "
        f"lost: {len(result.lost)}, not done: {len(result.not_done)}, "
        f"orphan files: {len(result.orphans)}, partial files: {len(result.partial)}"
    )
    print(f"SIGTERM exits not 0: {len(bad_exits)} of {len(rounds) - len(kills)}")
    if kills:
        print(
            f"recovery after SIGKILL: median {statistics.median(kills):.1f} s "
            f"(runs: {', '.join(f'{k:.1f}' for k in kills)}; restart until all settled)"
        )
    print(
        json.dumps(
            {
                "fuzz_cases": tried,
                "server_errors": errors,
                "rounds": len(rounds),
                "lost": len(result.lost),
            }
        )
    )


if __name__ == "__main__":
    main()
