"""Transcription jobs: claiming, outcomes, retries with backoff, the worker pool, restarts."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

import tests.fakes
from tests.fakes import FakeSTT, tone_wav
from tests.journal_factory import opened, unlock
from voiceguide import cli
from voiceguide.errors import JournalDamaged
from voiceguide.extensions import db
from voiceguide.jobs import backends, playable, queue
from voiceguide.jobs import transcription as jobs
from voiceguide.journal import entries as journal
from voiceguide.journal import recordings, sealed
from voiceguide.models import Entry, User, utcnow
from voiceguide.speech.base import EngineUnavailableError, SpeechError

ROOT = Path(__file__).resolve().parents[2]


def add_spoken(app, seconds: float = 0.5) -> int:
    """A pending spoken entry with a real recording; returns its id."""
    with app.app_context():
        user = db.session.query(User).first()
        if user is None:
            user = User(username="alice", password_hash="not-a-real-hash")
            db.session.add(user)
            db.session.commit()
        unlock(user)
        stage, part = journal.find_prompt("identify-the-root", "prompt-1")
        entry, _ = journal.create_spoken_entry(
            user, stage, part, str(uuid.uuid4()), io.BytesIO(tone_wav(seconds))
        )
        return entry.id


def get(app, entry_id: int) -> Entry:
    with app.app_context():
        entry = opened(db.session.get(Entry, entry_id))
        db.session.expunge(entry)
        return entry


def run(app, entry_id: int) -> None:
    with app.app_context():
        jobs.transcribe_entry(entry_id)


def engine(app):
    """The app's STT engine (built on first use)."""
    from voiceguide.speech import registry

    return registry.stt(app)


class Scripted:
    """An STT fake that raises the queued errors in turn, then answers."""

    name = "scripted"

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def transcribe(self, pcm):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return FakeSTT().transcribe(pcm)


@pytest.fixture
def scripted(app, monkeypatch):
    """Install a Scripted engine: scripted(*errors)."""

    def install(*errors: Exception) -> Scripted:
        fake = Scripted(*errors)
        monkeypatch.setattr(tests.fakes, "build_stt", lambda config: fake)
        app.extensions.get("voiceguide.engines", {}).clear()
        return fake

    return install


@pytest.fixture
def queued(monkeypatch) -> list[tuple[int, float]]:
    """(entry id, delay) of every enqueue."""
    calls: list[tuple[int, float]] = []
    monkeypatch.setattr(
        queue, "enqueue", lambda entry_id, delay=0.0: calls.append((entry_id, delay))
    )
    return calls


# --- the job --------------------------------------------------------------------


def test_pending_entry_transcribed(app):
    entry_id = add_spoken(app)
    run(app, entry_id)
    entry = get(app, entry_id)
    assert (entry.status, entry.machine_transcript, entry.error) == (
        "done",
        "a fake transcript",
        None,
    )
    assert entry.attempts == 1 and entry.started_at is not None


def test_each_transcription_logs_its_wait_and_run_time_but_not_the_words(app, caplog):
    entry_id = add_spoken(app)
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        run(app, entry_id)
    line = re.search(
        rf"entry {entry_id} transcribed: waited ([0-9.]+) s, ran ([0-9.]+) s", caplog.text
    )
    assert line is not None and float(line[1]) >= 0 and float(line[2]) >= 0
    assert "fake transcript" not in caplog.text


def test_run_twice_transcribes_once(app):
    entry_id = add_spoken(app)
    run(app, entry_id)
    run(app, entry_id)
    assert engine(app).calls == 1
    assert get(app, entry_id).attempts == 1


def test_concurrent_runs_claim_once(app):
    entry_id = add_spoken(app)
    threads = [threading.Thread(target=run, args=(app, entry_id)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert engine(app).calls == 1
    assert get(app, entry_id).status == "done"


def test_no_speech_fails_with_the_reason_and_keeps_audio(app, scripted):
    from voiceguide.speech.base import NoSpeechError

    scripted(NoSpeechError())
    entry_id = add_spoken(app)
    run(app, entry_id)
    entry = get(app, entry_id)
    assert (entry.status, entry.error) == ("failed", "No speech was recognised")
    with app.app_context():
        assert recordings.store().find(entry.recording_path) is not None


def test_unavailable_engine_retried_with_backoff_then_failed(app, scripted, queued):
    app.config.update(TRANSCRIBE_MAX_ATTEMPTS=3, TRANSCRIBE_RETRY_DELAY=10)
    fake = scripted(*[EngineUnavailableError("offline")] * 3)
    entry_id = add_spoken(app)
    for attempt in (1, 2):
        run(app, entry_id)
        entry = get(app, entry_id)
        assert (entry.status, entry.attempts, entry.error) == ("pending", attempt, jobs.WAITING)
    assert queued == [(entry_id, 0), (entry_id, 10), (entry_id, 20)]  # upload, then backoff
    run(app, entry_id)
    entry = get(app, entry_id)
    assert (entry.status, entry.attempts, entry.error) == ("failed", 3, jobs.UNREACHABLE)
    assert fake.calls == 3


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (SpeechError("model exploded"), jobs.FAILED),
        (RuntimeError("a bug"), jobs.FAILED),
    ],
)
def test_other_failures_end_failed_for_a_person(app, scripted, error, reason):
    scripted(error)
    entry_id = add_spoken(app)
    run(app, entry_id)
    entry = get(app, entry_id)
    assert (entry.status, entry.error) == ("failed", reason)
    assert "exploded" not in entry.error and "bug" not in entry.error


def test_recording_that_no_longer_decodes(app):
    entry_id = add_spoken(app)
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        cipher = sealed.RecordingCipher(unlock(entry.owner))
        with recordings.store().find(entry.recording_path).open("wb") as out:
            cipher.seal(io.BytesIO(b"RIFF broken"), out, entry.recording_path)
    run(app, entry_id)
    assert (get(app, entry_id).status, get(app, entry_id).error) == ("failed", jobs.UNDECODABLE)
    assert get(app, entry_id).job_key is None  # the job ended: its key copy is gone


def test_a_tampered_recording_fails_loudly_and_is_logged(app, caplog):
    entry_id = add_spoken(app)
    with app.app_context():
        path = recordings.store().find(db.session.get(Entry, entry_id).recording_path)
        data = bytearray(path.read_bytes())
        data[-20] ^= 1
        path.write_bytes(bytes(data))
    run(app, entry_id)
    entry = get(app, entry_id)
    assert (entry.status, entry.error) == ("failed", JournalDamaged.default_message)
    assert entry.job_key is None
    assert "ciphertext failed to open" in caplog.text


def test_a_job_without_its_key_fails_and_says_so(app):
    entry_id = add_spoken(app)
    with app.app_context():
        db.session.get(Entry, entry_id).job_key = None
        db.session.commit()
    run(app, entry_id)
    assert (get(app, entry_id).status, get(app, entry_id).error) == ("failed", jobs.LOCKED)


def set_processing(app, entry_id: int, ago: timedelta) -> None:
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        entry.status, entry.started_at, entry.attempts = "processing", utcnow() - ago, 1
        db.session.commit()


def test_stale_processing_is_taken_over_but_a_live_one_is_not(app):
    app.config["TRANSCRIBE_STALE_SECONDS"] = 60
    stale, live = add_spoken(app), add_spoken(app)
    set_processing(app, stale, timedelta(minutes=5))
    set_processing(app, live, timedelta(seconds=5))
    with app.app_context():
        assert jobs.due_entry_ids() == [stale]
    run(app, stale)
    run(app, live)
    assert (get(app, stale).status, get(app, stale).attempts) == ("done", 2)
    assert get(app, live).status == "processing"


def test_entry_deleted_while_transcribing(app, monkeypatch):
    entry_id = add_spoken(app)

    class Deleting(FakeSTT):
        def transcribe(self, pcm):
            with app.app_context():  # the person deletes it meanwhile
                db.session.delete(db.session.get(Entry, entry_id))
                db.session.commit()
            return super().transcribe(pcm)

    monkeypatch.setattr(tests.fakes, "build_stt", lambda config: Deleting())
    run(app, entry_id)
    with app.app_context():
        assert db.session.get(Entry, entry_id) is None


def test_typed_entries_are_never_jobs(app):
    with app.app_context():
        user = User(username="bob", password_hash="x")
        db.session.add(user)
        db.session.commit()
        typed = Entry(user_id=user.id, program="p", stage="s", prompt="p", kind="typed",
                      client_id=str(uuid.uuid4()), status="pending")  # fmt: skip
        db.session.add(typed)
        db.session.commit()
        assert jobs.due_entry_ids() == []
        jobs.transcribe_entry(typed.id)
        assert db.session.get(Entry, typed.id).attempts == 0


# --- the worker pool --------------------------------------------------------------


@pytest.fixture
def worker_app(make_app):
    """An app with the in-process worker on; stopped afterwards."""
    apps = []

    def make(**overrides):
        app = make_app(START_WORKER=True, **{"WORKERS": 2, **overrides})
        apps.append(app)
        return app

    yield make
    for app in apps:
        backends.stop(app)


def test_worker_starts_lazily_and_finishes_uploads(worker_app):
    app = worker_app()
    worker = app.extensions[queue.EXTENSION_KEY]
    assert not worker.started  # building the app (as `flask db upgrade` does) starts no thread
    app.test_client().get("/healthz")
    assert worker.started
    ids = [add_spoken(app) for _ in range(3)]  # create_spoken_entry enqueues each
    assert worker.wait_idle(10)
    assert [get(app, i).status for i in ids] == ["done"] * 3


def test_a_waiting_transcription_runs_before_an_earlier_answers_copy(worker_app, monkeypatch):
    # One worker, two answers: the second person's transcript must not wait while the
    # first one's playable copy is encoded (the copy is queued behind it).
    app = worker_app(WORKERS=1)
    order: list[tuple[str, int]] = []
    transcribe, copy = jobs.segments.transcribe_after_segments, playable.make_copy

    def transcribing(entry, *args, **kwargs):
        order.append(("transcript", entry.id))
        threading.Event().wait(0.3)  # long enough for the second upload to queue
        return transcribe(entry, *args, **kwargs)

    def copying(entry_id, *args, **kwargs):
        order.append(("copy", entry_id))
        return copy(entry_id, *args, **kwargs)

    monkeypatch.setattr(jobs.segments, "transcribe_after_segments", transcribing)
    monkeypatch.setattr(playable, "make_copy", copying)
    app.test_client().get("/healthz")
    first = add_spoken(app)
    second = add_spoken(app)
    assert app.extensions[queue.EXTENSION_KEY].wait_idle(20)
    assert order == [("transcript", first), ("transcript", second), ("copy", first),
                     ("copy", second)]  # fmt: skip
    assert all(get(app, i).playable_path for i in (first, second))


def test_cli_command_starts_no_worker(worker_app, tmp_path):
    app = worker_app()
    path = tmp_path / "a.wav"
    path.write_bytes(tone_wav(0.5))
    result = app.test_cli_runner().invoke(args=["transcribe", str(path)])
    assert result.exit_code == 0
    assert not app.extensions[queue.EXTENSION_KEY].started


def test_restart_picks_up_pending_entries(make_app, worker_app):
    before = make_app()  # no worker: the entries wait in the database
    ids = [add_spoken(before), add_spoken(before)]
    after = worker_app()
    after.test_client().get("/healthz")
    assert after.extensions[queue.EXTENSION_KEY].wait_idle(10)
    assert [get(after, i).status for i in ids] == ["done", "done"]


def test_serve_resumes_pending_entries_before_any_request(make_app, worker_app, monkeypatch):
    before = make_app()
    ids = [add_spoken(before), add_spoken(before)]
    after = worker_app()
    served = []
    monkeypatch.setattr(cli, "serve_until_stopped", lambda *args: served.append(args))
    result = after.test_cli_runner().invoke(args=["serve", "--port", "5099"])
    assert result.exit_code == 0, result.output
    assert "engines ready" in result.output
    assert served == [(after, "127.0.0.1", 5099)]
    assert after.extensions[queue.EXTENSION_KEY].wait_idle(10)  # no request was made
    assert [get(after, i).status for i in ids] == ["done", "done"]


def test_worker_retries_after_the_backoff(worker_app, monkeypatch):
    app = worker_app(TRANSCRIBE_RETRY_DELAY=0.2)
    fake = Scripted(EngineUnavailableError("blip"))
    monkeypatch.setattr(tests.fakes, "build_stt", lambda config: fake)
    entry_id = add_spoken(app)
    assert app.extensions[queue.EXTENSION_KEY].wait_idle(10)
    entry = get(app, entry_id)
    assert (entry.status, entry.attempts, fake.calls) == ("done", 2, 2)


STUCK_WORKER = """
import json, sys, time
from voiceguide import create_app
from voiceguide.jobs import transcription as jobs
from voiceguide.speech import registry

class Stuck:
    name = "stuck"
    def transcribe(self, pcm):
        print("transcribing", file=sys.__stdout__, flush=True)  # past CliRunner's capture
        time.sleep(600)

registry.stt = lambda app=None: Stuck()
config, entry_id, mode = json.loads(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
pool = mode != "direct"
app = create_app({**config, "START_WORKER": pool})
if mode == "serve":  # `flask serve`: the pool starts before any request
    app.test_cli_runner().invoke(args=["serve", "--port", "0"], catch_exceptions=False)
elif pool:  # the in-process pool picks the entry up; the main thread idles like a server
    app.test_client().get("/healthz")
    time.sleep(600)
else:
    with app.app_context():
        jobs.transcribe_entry(entry_id)
"""


def start_stuck_worker(app, entry_id: int, mode: str) -> subprocess.Popen:
    """A separate process that claims the entry and hangs in the engine; returns once it has."""
    keys = ("DATA_DIR", "AUDIO_CACHE", "SECRET_KEY", "DATABASE_URL")
    config = {key: app.config[key] for key in keys}
    config.update(TESTING=True, STT_ENGINE="whisper")
    process = subprocess.Popen(
        [sys.executable, "-c", STUCK_WORKER, json.dumps(config), str(entry_id), mode],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "transcribing"
    assert get(app, entry_id).status == "processing"
    return process


def end(process: subprocess.Popen, sig: int) -> None:
    os.kill(process.pid, sig)
    process.wait(10)
    process.stdout.close()


def test_killed_worker_entry_finished_after_restart(app, worker_app):
    entry_id = add_spoken(app)
    process = start_stuck_worker(app, entry_id, "direct")
    end(process, signal.SIGKILL)
    assert get(app, entry_id).status == "processing"  # the dead worker's claim remains

    # The default stale timeout (15 minutes): the claim's holder is dead, so no waiting.
    restarted = worker_app()
    restarted.test_client().get("/healthz")
    assert restarted.extensions[queue.EXTENSION_KEY].wait_idle(10)
    entry = get(restarted, entry_id)
    assert (entry.status, entry.machine_transcript, entry.attempts) == (
        "done",
        "a fake transcript",
        2,
    )


def test_interrupted_server_hands_its_running_jobs_back(app):
    entry_id = add_spoken(app)
    process = start_stuck_worker(app, entry_id, "pool")
    end(process, signal.SIGINT)  # Ctrl-C: atexit runs while the pool's threads are mid-job
    entry = get(app, entry_id)
    assert (entry.status, entry.attempts) == ("pending", 0)  # due at once, not when stale


def test_terminated_server_hands_its_running_jobs_back(app):
    entry_id = add_spoken(app)
    process = start_stuck_worker(app, entry_id, "serve")
    end(process, signal.SIGTERM)  # `flask serve` turns SIGTERM into an orderly exit
    entry = get(app, entry_id)
    assert (entry.status, entry.attempts) == ("pending", 0)


# --- flask transcribe ---------------------------------------------------------------


def test_transcribe_command(runner, tmp_path):
    one, two = tmp_path / "one.wav", tmp_path / "two.wav"
    one.write_bytes(tone_wav(0.5))
    two.write_bytes(tone_wav(0.5))
    result = runner.invoke(args=["transcribe", str(one)])
    assert (result.exit_code, result.output) == (0, "a fake transcript\n")
    result = runner.invoke(args=["transcribe", str(one), str(two)])
    assert result.output.splitlines() == [f"{one}: a fake transcript", f"{two}: a fake transcript"]


def test_transcribe_command_errors(runner, tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio at all")
    result = runner.invoke(args=["transcribe", str(bad)])
    assert result.exit_code == 1
    assert "could not be decoded" in result.output
    assert runner.invoke(args=["transcribe", str(tmp_path / "missing.wav")]).exit_code == 2
