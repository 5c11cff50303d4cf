"""Celery end to end: real worker processes, a real Redis and a real PostgreSQL.

The web app runs in the test; each worker is `celery worker` in a process of its own
(see celery_worker_main.py), sharing the data directory and the database.
"""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis

from tests import servers
from tests.fakes import tone_wav
from tests.helpers import AuthActions
from voiceguide.extensions import db
from voiceguide.jobs import queue
from voiceguide.models import Entry

ROOT = Path(__file__).resolve().parents[2]
STALE_SECONDS = 3.0
VISIBILITY_TIMEOUT = 5.0


@pytest.fixture
def redis_server(tmp_path):
    server = servers.RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


class Cluster:
    """The web app (in the test) and worker processes on one data directory."""

    def __init__(self, app, env: dict[str, str], root: Path) -> None:
        self.app = app
        self.env = env
        self.calls = root / "calls.log"
        self.calls.touch()
        self.logs = root
        self.workers: list[subprocess.Popen] = []
        self.client = app.test_client()
        self.auth = AuthActions(self.client)
        self.auth.register()
        self.headers = self.auth.headers()

    def worker(self, name: str, stt_delay: float = 0.0) -> subprocess.Popen:
        """Start `celery worker` (one pool process) in a session of its own."""
        env = {**self.env, "VG_TEST_STT_DELAY": str(stt_delay), "VG_TEST_CALLS": str(self.calls)}
        log = open(self.logs / f"worker-{name}.log", "w")  # noqa: SIM115  (closed with the process)
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.jobs.celery_worker_main", "--pool", "prefork",
             "--concurrency", "1", "-n", f"{name}@%h", "--loglevel", "INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.workers.append(process)
        return process

    def upload(self) -> int:
        """POST a one-second recording; returns the entry id (the answer is 202 pending)."""
        response = self.client.post(
            "/api/entries",
            data={"stage": "identify-the-root", "prompt": "prompt-1",
                  "client_id": str(uuid.uuid4()), "audio": (io.BytesIO(tone_wav(1.0)), "a.wav")},
            headers=self.headers,
        )  # fmt: skip
        assert response.status_code == 202, response.get_data(as_text=True)
        assert response.get_json()["status"] == "pending"
        return response.get_json()["id"]

    def entry(self, entry_id: int) -> dict:
        return self.client.get(f"/api/entries/{entry_id}").get_json()

    def wait_done(self, ids: list[int], timeout: float = 60.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            entries = [self.entry(i) for i in ids]
            if all(e["status"] in ("done", "failed") for e in entries):
                return entries
            time.sleep(0.2)
        self.dump_logs()
        pytest.fail(f"not transcribed in {timeout} s: {[self.entry(i)['status'] for i in ids]}")

    def wait_for_call(self, what: str, timeout: float = 60.0) -> int:
        """The pid of the first worker process that logged `what` ("start"/"done")."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.calls.read_text().splitlines():
                if line.startswith(what + " "):
                    return int(line.split()[1])
            time.sleep(0.1)
        self.dump_logs()
        pytest.fail(f"no worker logged {what!r} in {timeout} s")

    def finished(self) -> list[str]:
        return [line for line in self.calls.read_text().splitlines() if line.startswith("done")]

    def dump_logs(self) -> None:
        for log in sorted(self.logs.glob("worker-*.log")):
            print(f"--- {log.name}\n{log.read_text()[-3000:]}")

    def stop(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.workers:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


@pytest.fixture
def cluster(make_app, postgres_url, redis_server, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    # Short timings, through the real configuration file, so recovery takes seconds.
    (data / "config.py").write_text(
        f"TRANSCRIBE_STALE_SECONDS = {STALE_SECONDS}\nTRANSCRIBE_SWEEP_SECONDS = 0.5\n"
        f"CELERY_VISIBILITY_TIMEOUT = {VISIBILITY_TIMEOUT}\n"
    )
    app = make_app(DATA_DIR=str(data), DATABASE_URL=postgres_url, BROKER_URL=redis_server.url)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "VOICEGUIDE_DATA_DIR": str(data),
        "VOICEGUIDE_DATABASE_URL": postgres_url,
        "VOICEGUIDE_BROKER_URL": redis_server.url,
        "VOICEGUIDE_AUDIO_CACHE": app.config["AUDIO_CACHE"],
        "VOICEGUIDE_SECRET_KEY": app.config["SECRET_KEY"],
        "VOICEGUIDE_STT_ENGINE": "fake",
        "VOICEGUIDE_TTS_ENGINE": "fake",
    }
    running = Cluster(app, env, tmp_path)
    yield running
    running.stop()


def test_upload_is_transcribed_by_a_worker(cluster):
    cluster.worker("a")
    entry_id = cluster.upload()
    (entry,) = cluster.wait_done([entry_id])
    assert (entry["status"], entry["transcript"]) == ("done", "a fake transcript")
    assert len(cluster.finished()) == 1
    # The worker's log names the job once (not again through Flask's stderr handler).
    log = (cluster.logs / "worker-a.log").read_text()
    assert log.count(f"entry {entry_id} transcribed: waited") == 1, log[-3000:]
    # The playable copy follows as a task of its own, after the transcript.
    deadline = time.monotonic() + 30
    while not cluster.entry(entry_id)["playable"] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert cluster.entry(entry_id)["playable"] is True
    log = (cluster.logs / "worker-a.log").read_text()
    assert "voiceguide.make_playable_copy[" in log, log[-3000:]


def test_a_worker_takes_a_waiting_transcript_before_segments_and_copies(cluster):
    # Queued before any worker runs: a copy, a segment, then an answer's transcription.
    backend = cluster.app.extensions[queue.EXTENSION_KEY]
    with cluster.app.app_context():
        backend.submit(10_001, kind=queue.COPY)
        backend.submit(10_002, kind=queue.SEGMENT)
    entry_id = cluster.upload()
    cluster.worker("a")
    cluster.wait_done([entry_id])
    log = cluster.logs / "worker-a.log"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        received = re.findall(r"Task (voiceguide\.[a-z_]+)\[[^]]+\] received", log.read_text())
        if "voiceguide.make_playable_copy" in received:
            break
        time.sleep(0.2)
    # In order of first arrival (the worker's own sweep at start queues the entry again).
    assert list(dict.fromkeys(received)) == [
        "voiceguide.transcribe",
        "voiceguide.transcribe_segment",
        "voiceguide.make_playable_copy",
    ], log.read_text()[-3000:]


def test_worker_killed_mid_job_another_finishes_it_once(cluster, redis_server):
    stuck = cluster.worker("stuck", stt_delay=600)
    entry_id = cluster.upload()
    cluster.wait_for_call("start")
    assert cluster.entry(entry_id)["status"] == "processing"
    os.killpg(stuck.pid, signal.SIGKILL)  # the whole worker, as when its machine dies
    stuck.wait(10)
    # Past the visibility timeout Redis hands the dead worker's unacknowledged message out
    # again (kombu looks when a worker starts); by then the claim is stale as well, so the
    # redelivered task and the survivor's sweep both find the entry: one of them claims it.
    time.sleep(VISIBILITY_TIMEOUT + 0.5)
    cluster.worker("survivor")
    (entry,) = cluster.wait_done([entry_id], timeout=60)
    assert (entry["status"], entry["transcript"]) == ("done", "a fake transcript")
    broker = redis.Redis.from_url(redis_server.url)
    deadline = time.monotonic() + 30
    while broker.hlen("unacked") and time.monotonic() < deadline:  # the other one acked too
        time.sleep(0.2)
    assert broker.hlen("unacked") == 0
    time.sleep(1)
    assert len(cluster.finished()) == 1
    with cluster.app.app_context():
        assert db.session.get(Entry, entry_id).attempts == 2


def test_redis_restart_loses_no_entry(cluster, redis_server):
    cluster.worker("a", stt_delay=0.5)
    before = [cluster.upload() for _ in range(3)]  # some still queued when Redis goes
    redis_server.stop()  # no persistence: every queued message is gone
    started = time.monotonic()
    during = [cluster.upload() for _ in range(2)]  # accepted; the rows wait for the sweep
    assert time.monotonic() - started < 20
    redis_server.start()
    after = [cluster.upload()]
    entries = cluster.wait_done(before + during + after, timeout=90)
    assert [e["status"] for e in entries] == ["done"] * 6
    assert len(cluster.finished()) == 6  # each transcribed once
