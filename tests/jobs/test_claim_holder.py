"""The claim records who holds it: a dead holder's job goes back at once; an outcome the
database refuses hands the entry back instead of leaving it "processing"."""

from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from tests.jobs.test_transcription import add_spoken, get, queued, run  # noqa: F401 (fixture)
from voiceguide.extensions import db
from voiceguide.jobs import holder
from voiceguide.jobs import transcription as jobs
from voiceguide.models import Entry, EntryStatus, utcnow


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def claimed(app, entry_id: int, by: str) -> None:
    """The entry as a process `by` left it: processing, started just now."""
    with app.app_context():
        db.session.execute(
            update(Entry)
            .where(Entry.id == entry_id)
            .values(status=EntryStatus.PROCESSING, started_at=utcnow(), attempts=1, claimed_by=by)
        )
        db.session.commit()


def with_pid(pid: int, start: str = "12345", host: str | None = None) -> str:
    name, boot, _, _ = holder.this_process().split(holder.SEPARATOR)
    return holder.SEPARATOR.join((host or name, boot, str(pid), start))


def test_a_claim_names_this_process_until_the_outcome_is_saved(app, monkeypatch):
    entry_id = add_spoken(app)
    seen = []
    real_decode = jobs.decode_file
    monkeypatch.setattr(
        jobs, "decode_file", lambda *a, **k: seen.append(get(app, entry_id)) or real_decode(*a, **k)
    )
    run(app, entry_id)
    assert seen[0].claimed_by == holder.this_process()
    assert holder.is_alive(seen[0].claimed_by) is True
    done = get(app, entry_id)
    assert (done.status, done.claimed_by) == ("done", None)


def test_a_dead_holders_job_is_due_at_once(app):
    entry_id = add_spoken(app)
    claimed(app, entry_id, with_pid(dead_pid()))
    with app.app_context():
        assert jobs.due_entry_ids() == [entry_id]  # the stale timeout is 15 minutes
    entry = get(app, entry_id)
    assert (entry.status, entry.claimed_by, entry.attempts) == ("pending", None, 1)


def test_a_reused_pid_is_not_mistaken_for_the_holder(app):
    entry_id = add_spoken(app)
    claimed(app, entry_id, with_pid(1, start="1"))  # pid 1 runs, but started at another time
    with app.app_context():
        assert jobs.due_entry_ids() == [entry_id]


@pytest.mark.parametrize(
    "by", [holder.this_process(), with_pid(dead_pid(), host="another-machine"), "not|a|holder"]
)
def test_live_or_unknowable_holders_keep_their_claim(app, by):
    entry_id = add_spoken(app)
    claimed(app, entry_id, by)
    with app.app_context():
        assert jobs.due_entry_ids() == []
    assert get(app, entry_id).status == "processing"


def test_an_outcome_the_database_refuses_hands_the_entry_back(app, monkeypatch, queued):  # noqa: F811
    entry_id = add_spoken(app)
    queued.clear()  # the upload's own enqueue
    real_update = jobs._update_claimed
    calls = []

    def locked_once(*args, **values):
        calls.append(values)
        if len(calls) == 1:
            raise OperationalError("UPDATE entries", {}, Exception("database is locked"))
        return real_update(*args, **values)

    monkeypatch.setattr(jobs, "_update_claimed", locked_once)
    monkeypatch.setattr(jobs.time, "sleep", lambda seconds: None)
    run(app, entry_id)
    assert calls[0]["status"] == "done"
    entry = get(app, entry_id)
    assert (entry.status, entry.attempts, entry.claimed_by) == ("pending", 0, None)
    assert queued == [(entry_id, jobs.DB_RETRY_DELAY)]


def test_a_claim_the_database_refuses_is_queued_again(app, monkeypatch, queued):  # noqa: F811
    entry_id = add_spoken(app)
    queued.clear()

    def locked(entry_id):
        raise OperationalError("UPDATE entries", {}, Exception("database is locked"))

    monkeypatch.setattr(jobs, "_claim", locked)
    run(app, entry_id)
    assert get(app, entry_id).status == "pending"
    assert queued == [(entry_id, jobs.DB_RETRY_DELAY)]
