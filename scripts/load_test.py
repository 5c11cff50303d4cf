"""Load test: N people each answer three questions by voice, at a human pace.

Each simulated person signs up, then three times: listens and thinks (`--think` seconds,
random), speaks for 30 s (the client waits as long as the recording lasts), uploads the
30-second WebM/Opus answer (Piper speaking the sentences of a real reflection that fit,
then the closing pause; encoded as Chromium's MediaRecorder does) and polls the entry
until its transcript is there. It prints answers per minute, p50/p95 upload time and
upload-to-transcript time, errors and entries lost.

`--stream`: each answer goes as the page sends it where the browser can stream (Chromium,
Firefox): a piece every 0.5 s while the person speaks, then the finish; the figures are
then the finish request and the time from the stop of speaking to the transcript.

A bounded client of one thread per person (requests), not Locust: the people are few
(tens), every one of them spends most of the time waiting as a person would, and the
figures that matter (upload to transcript, entries lost) need the server's entry ids
followed to the end; threads do that in plain code with the pinned packages, without
gevent's monkey-patching or another dependency.

    .venv/bin/python scripts/load_test.py --start embedded --people 20   # flask serve
    .venv/bin/python scripts/load_test.py --start cluster --people 20    # scripts/cluster.sh
    .venv/bin/python scripts/load_test.py --start cluster --people 20 --stream
    .venv/bin/python scripts/load_test.py --url http://host:8000 --people 20

`--start` runs the server on a fresh data directory whose config.py lets N people sign
up from one address; with `--url`, the server's REGISTER_RATE_LIMIT must allow that.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import wave
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "calm-river-lantern-42"
TIMESLICE = 0.5
"""Seconds of recording in each streamed piece (TIMESLICE_MS in static/js/stream.js)."""
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@dataclass
class Results:
    """What every person saw, gathered under a lock."""

    uploads: list[float] = field(default_factory=list)
    to_transcript: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    accepted: dict[str, list[int]] = field(default_factory=dict)  # person -> entry ids
    sessions: dict[str, requests.Session] = field(default_factory=dict)
    finished_at: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)


def make_sample(workdir: Path, seconds: float) -> bytes:
    """A recording of exactly `seconds` as WebM/Opus: Piper speaking the longest run of
    whole sentences of the reflection that fits, then quiet to the end (a person's
    recording ends in the pause that ends their turn)."""
    from scripts.speech_samples import encode, long_reflection, speak
    from voiceguide.speech import piper_tts

    voice = piper_tts.build({})
    sentences = re.split(r"(?<=[.!?])\s+", long_reflection())
    wav = workdir / "answer.wav"
    for count in range(len(sentences), 0, -1):
        speak(voice, " ".join(sentences[:count]), wav)
        with wave.open(str(wav)) as spoken:
            rate, frames = spoken.getframerate(), spoken.readframes(spoken.getnframes())
            width = spoken.getsampwidth()
        if len(frames) <= seconds * rate * width:
            break
    else:
        raise SystemExit(f"no sentence of the sample fits in {seconds} s")
    print(f"the answer: {count} sentences, {len(frames) / width / rate:.1f} s of speech "
          f"in {seconds:.0f} s")  # fmt: skip
    with wave.open(str(wav), "wb") as padded:
        padded.setnchannels(1)
        padded.setsampwidth(width)
        padded.setframerate(rate)
        padded.writeframes(frames + bytes(round(seconds * rate) * width - len(frames)))
    return encode(wav, "webm", workdir).read_bytes()


def answer_cost(workdir: Path) -> float:
    """Seconds of one core to decode and transcribe one answer, measured alone."""
    from voiceguide.speech import whisper_stt
    from voiceguide.speech.audio import decode_file

    engine = whisper_stt.build({"WORKERS": 1})
    path = str(workdir / "answer-upload.webm")
    engine.transcribe(decode_file(path))  # warm-up
    started = time.process_time()
    engine.transcribe(decode_file(path))
    return time.process_time() - started


def prompts(base: str) -> list[tuple[str, str]]:
    """(stage id, prompt id) of the program's first three questions."""
    program = requests.get(f"{base}/api/program", timeout=30).json()
    found = [(s["id"], p["id"]) for s in program["stages"] for p in s["parts"]
             if p["kind"] == "prompt"]  # fmt: skip
    return found[:3]


def person(n: int, base: str, args, webm: bytes, questions, results: Results) -> None:
    """One person: sign up, then answer each question and wait for its transcript."""
    name = f"load{args.run}-{n}"
    session = requests.Session()
    time.sleep(random.uniform(0, args.ramp))
    try:
        page = session.get(f"{base}/auth/register", timeout=30).text
        token = CSRF.search(page).group(1)  # type: ignore[union-attr]
        form = {"username": name, "password": PASSWORD, "confirm": PASSWORD, "csrf_token": token}
        response = session.post(f"{base}/auth/register", data=form, timeout=30)
        response.raise_for_status()
        token = CSRF.search(session.get(f"{base}/", timeout=30).text).group(1)  # type: ignore[union-attr]
    except Exception as e:
        results.error(f"{name}: sign-up: {e}")
        return
    results.accepted[name] = []
    results.sessions[name] = session
    followers: list[threading.Thread] = []
    for stage, prompt in questions:
        time.sleep(random.uniform(*args.think))  # listen to the narration, think
        form = {"stage": stage, "prompt": prompt, "client_id": str(uuid.uuid4())}
        send = stream_answer if args.stream else upload_answer
        try:
            entry_id, started = send(session, base, form, webm, token, args)
        except (requests.RequestException, LoadError) as e:
            results.error(f"{name}: {'stream' if args.stream else 'upload'}: {e}")
            continue
        with results.lock:
            results.uploads.append(time.perf_counter() - started)
            results.accepted[name].append(entry_id)
        # The page moves on to the next narration while the transcript is made, so the
        # person does too: the offered load does not drop when the server falls behind.
        follower = threading.Thread(
            target=follow, args=(session, f"{base}/api/entries/{entry_id}", started, args, results)
        )
        follower.start()
        followers.append(follower)
    for follower in followers:
        follower.join()


class LoadError(Exception):
    """The server refused a step of an answer."""


def upload_answer(session, base: str, form: dict, webm: bytes, token: str, args):
    """Speak (wait as long as the answer lasts), then upload the whole recording:
    (entry id, when the upload began)."""
    time.sleep(args.speak)
    started = time.perf_counter()
    response = session.post(
        f"{base}/api/entries",
        data=form,
        files={"audio": ("answer.webm", webm, "audio/webm")},
        headers={"X-CSRFToken": token},
        timeout=120,
    )
    if response.status_code != 202:
        raise LoadError(f"HTTP {response.status_code}")
    return response.json()["id"], started


def stream_answer(session, base: str, form: dict, webm: bytes, token: str, args):
    """Stream the recording as the page does while the person speaks (a piece every
    TIMESLICE seconds, at the pace it is spoken), then finish: (entry id, when the
    speaking stopped)."""
    headers = {"X-CSRFToken": token}
    opened = session.post(f"{base}/api/streams", json=form, headers=headers, timeout=30)
    if opened.status_code not in (200, 201):
        raise LoadError(f"opening: HTTP {opened.status_code}")
    stream = opened.json()
    count = max(1, round(args.speak / TIMESLICE))
    size = -(-len(webm) // count)
    began = time.perf_counter()
    for number in range(count):
        time.sleep(max(0.0, began + (number + 1) * TIMESLICE - time.perf_counter()))
        piece = webm[number * size : (number + 1) * size]
        ack = session.put(f"{base}{stream['chunks_url']}{number}", data=piece, headers=headers,
                          timeout=30)  # fmt: skip
        if ack.status_code not in (200, 201):
            raise LoadError(f"chunk {number}: HTTP {ack.status_code}")
    stopped = max(time.perf_counter(), began + args.speak)
    finished = session.post(f"{base}/api/streams/{stream['id']}/finish", json={"chunks": count},
                            headers=headers, timeout=60)  # fmt: skip
    if finished.status_code not in (200, 202):
        raise LoadError(f"finish: HTTP {finished.status_code}")
    return finished.json()["id"], stopped


def follow(session, url: str, started: float, args, results: Results) -> None:
    """Poll one answer until its transcript is there; record the time since its upload began."""
    status = wait_for_transcript(session, url, args.patience)
    if status != "done":
        results.error(f"{url}: ended {status}")
        return
    with results.lock:
        results.to_transcript.append(time.perf_counter() - started)
        results.finished_at.append(time.time())


def poll_delay(elapsed: float, previous: float) -> float:
    """The page's own schedule (static/js/outbox.js, pollDelay): every 0.4 s for 15 s, then
    backing off to 3 s. The measured wait is then what a person at the page waits, and the
    server carries the page's polling load, no more."""
    if elapsed < 15:
        return 0.4
    return min(3.0, max(0.4, previous) * 1.3)


def wait_for_transcript(session: requests.Session, url: str, patience: float) -> str:
    """Poll the entry as the page does until done or failed; its last status."""
    began = time.perf_counter()
    deadline = began + patience
    status = "unknown"
    wait = 0.0
    while time.perf_counter() < deadline:
        wait = poll_delay(time.perf_counter() - began, wait)
        time.sleep(wait)  # the upload's answer said pending: the page waits before asking
        try:
            status = session.get(url, timeout=30).json()["status"]
        except (requests.RequestException, ValueError):
            status = "unreachable"
        if status in ("done", "failed"):
            return status
    return f"{status} after {patience:.0f} s"


def lost(base: str, results: Results) -> int:
    """Accepted answers that are not in their owner's journal with a transcript."""
    missing = 0
    for name, ids in results.accepted.items():
        response = results.sessions[name].get(f"{base}/api/entries", timeout=30)
        done = {e["id"] for e in response.json()["entries"] if e["status"] == "done"}
        missing += len(set(ids) - done)
    return missing


def start_server(kind: str, workdir: Path, port: int, extra: list[str]) -> subprocess.Popen[bytes]:
    """`flask serve` (embedded) or scripts/cluster.sh on a fresh data directory whose
    config.py holds `extra` settings too (KEY=VALUE lines)."""
    data = workdir / "data"
    data.mkdir()
    settings = ['REGISTER_RATE_LIMIT = "10000 per hour"', *extra]
    (data / "config.py").write_text("\n".join(settings) + "\n")
    env = {**os.environ, "VOICEGUIDE_DATA_DIR": str(data), "PORT": str(port)}
    bin_dir = Path(sys.executable).parent
    if kind == "embedded":
        subprocess.run([bin_dir / "flask", "--app", "voiceguide", "db", "upgrade"],
                       cwd=ROOT, env=env, check=True, capture_output=True)  # fmt: skip
        command = [str(bin_dir / "flask"), "--app", "voiceguide", "serve", "--port", str(port)]
    else:
        command = [str(ROOT / "scripts" / "cluster.sh")]
        env["BIN"] = str(bin_dir)
    log = open(workdir / "server.log", "wb")  # noqa: SIM115  (lives as long as the server)
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok:
                time.sleep(5 if kind == "cluster" else 0)  # the workers load their models
                return server
        except requests.RequestException:
            time.sleep(0.5)
    raise SystemExit(f"the server did not come up; see {workdir / 'server.log'}")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """Ctrl-C, as a person would; then wait for everything to stop."""
    os.killpg(server.pid, signal.SIGINT)
    try:
        server.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


JOB_LINE = re.compile(r"entry (\d+) transcribed: waited ([0-9.]+) s, ran ([0-9.]+) s")


def job_times(log: Path) -> tuple[list[float], list[float]]:
    """(queue waits, run times) of the transcription jobs, from the server's log."""
    found = JOB_LINE.findall(log.read_text(errors="replace")) if log.exists() else []
    jobs = {entry: (float(wait), float(ran)) for entry, wait, ran in found}  # once each
    return [wait for wait, _ in jobs.values()], [ran for _, ran in jobs.values()]


def cpu_by_program(session_id: int) -> dict[str, float]:
    """CPU seconds used so far by the server's processes (children they reaped included),
    summed by program name: where one answer's cost goes besides transcription."""
    ticks = os.sysconf("SC_CLK_TCK")
    totals: dict[str, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        if int(fields[3]) != session_id:  # field 6 of stat: the session id
            continue
        used = sum(int(f) for f in fields[11:15]) / ticks  # utime, stime, cutime, cstime
        program = "celery" if "celery" in name else name.split(":")[0]
        totals[program] = totals.get(program, 0.0) + used
    return totals


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def report(
    results: Results,
    started: float,
    lost_count: int,
    cost: float | None,
    jobs: tuple[list[float], list[float]],
    cpu: dict[str, float],
    streamed: bool,
) -> None:
    answers = len(results.to_transcript)
    minutes = (max(results.finished_at, default=started) - started) / 60
    print(f"answers transcribed: {answers} in {minutes:.1f} min "
          f"({answers / minutes if minutes else 0:.1f} answers/min)")  # fmt: skip
    labels = ("finish", "stop to transcript") if streamed else ("upload", "upload to transcript")
    for label, values in zip(labels, (results.uploads, results.to_transcript), strict=True):
        print(f"{label}: p50 {percentile(values, 50):.2f} s, p95 {percentile(values, 95):.2f} s, "
              f"max {max(values, default=float('nan')):.2f} s")  # fmt: skip
    print(f"errors: {len(results.errors)}")
    for error in results.errors[:10]:
        print(f"  {error}")
    print(f"entries lost: {lost_count}")
    for label, values in zip(("server: queue wait", "server: job run"), jobs, strict=True):
        if values:
            print(f"{label}: p50 {percentile(values, 50):.2f} s, "
                  f"p95 {percentile(values, 95):.2f} s")  # fmt: skip
    if cpu and answers:
        busiest = sorted(cpu.items(), key=lambda item: -item[1])
        shares = ", ".join(f"{name} {used / answers:.2f}" for name, used in busiest if used >= 0.5)
        print(f"server CPU seconds per answer: {sum(cpu.values()) / answers:.2f} ({shares})")
    if cost is not None:
        print(f"cost of one answer (decode + transcribe, alone): {cost:.2f} s of one core")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--start", choices=("embedded", "cluster"), help="run this stack")
    target.add_argument("--url", help="a server that is already running")
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--ramp", type=float, default=30.0, help="people arrive within (s)")
    parser.add_argument(
        "--think", type=float, nargs=2, default=(10.0, 30.0), metavar=("MIN", "MAX"),
        help="narration and thinking before each answer (s)",
    )  # fmt: skip
    parser.add_argument("--speak", type=float, default=30.0, help="length of each answer (s)")
    parser.add_argument(
        "--stream", action="store_true",
        help="stream each answer while it is spoken, as the page does where it can",
    )  # fmt: skip
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE",
        help="a setting for the started server's config.py, e.g. STREAM_LIVE=False",
    )  # fmt: skip
    parser.add_argument("--patience", type=float, default=300.0, help="wait for a transcript (s)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--no-cost", action="store_true", help="skip measuring one answer alone")
    parser.add_argument("--keep-log", type=Path, help="copy the server's log here at the end")
    args = parser.parse_args()
    args.run = uuid.uuid4().hex[:6]

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        webm = make_sample(workdir, args.speak)
        cost = None if args.no_cost else answer_cost(workdir)
        server = start_server(args.start, workdir, args.port, args.set) if args.start else None
        base = args.url.rstrip("/") if args.url else f"http://127.0.0.1:{args.port}"
        try:
            questions = prompts(base)
            results = Results()
            print(f"{args.people} people x {len(questions)} answers of {len(webm) // 1024} KiB "
                  f"WebM ({args.speak:.0f} s, {'streamed' if args.stream else 'uploaded'}) "
              f"against {args.start or base}")  # fmt: skip
            started = time.time()
            threads = [
                threading.Thread(target=person, args=(n, base, args, webm, questions, results))
                for n in range(args.people)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            cpu = cpu_by_program(server.pid) if server is not None else {}
            jobs = job_times(workdir / "server.log")
            report(results, started, lost(base, results), cost, jobs, cpu, args.stream)
        finally:
            if server is not None:
                stop_server(server)
                if args.keep_log:
                    shutil.copyfile(workdir / "server.log", args.keep_log)
    return 1 if results.errors else 0


if __name__ == "__main__":
    sys.exit(main())
