"""journal.entries.create_spoken_entry: stored first, committed, then queued; nothing half-made."""

from __future__ import annotations

import io
import os
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from tests.fakes import tone_wav
from tests.journal_factory import unlock
from voiceguide.errors import TooLarge
from voiceguide.extensions import db
from voiceguide.jobs import queue
from voiceguide.journal import entries, recordings
from voiceguide.journal.recordings import LOCK_FILE
from voiceguide.models import Entry, EntryStatus, User
from voiceguide.program import current_program

STAGE, PROMPT = "identify-the-root", "prompt-1"


@pytest.fixture
def ctx(app):
    """An app context with one person in the database."""
    with app.app_context():
        user = User(username="alice", password_hash="not-a-real-hash")
        db.session.add(user)
        db.session.commit()
        unlock(user)
        yield user


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    """Entry ids handed to the queue."""
    ids: list[int] = []
    monkeypatch.setattr(queue, "enqueue", lambda entry_id, delay=0.0: ids.append(entry_id))
    return ids


def store(user, data: bytes, client_id: str | None = None) -> tuple[Entry, bool]:
    stage, part = entries.find_prompt(STAGE, PROMPT)
    return entries.create_spoken_entry(
        user, stage, part, client_id or str(uuid.uuid4()), io.BytesIO(data)
    )


def leftovers(app) -> list[str]:
    root = app.config["RECORDINGS_DIR"]
    return sorted(
        os.path.relpath(os.path.join(d, f), root)
        for d, _, files in os.walk(root)
        for f in files
        if f != LOCK_FILE  # the store's lock, there for good
    )


def rows() -> int:
    return db.session.scalar(select(func.count()).select_from(Entry))


def test_stored_then_committed_then_queued(app, ctx, queued):
    entry, created = store(ctx, tone_wav(1.0))
    assert created
    assert (entry.kind, entry.status, entry.attempts) == ("spoken", "pending", 0)
    assert (entry.stage, entry.prompt, entry.program) == (STAGE, PROMPT, current_program().id)
    assert entry.duration_s == pytest.approx(1.0, abs=0.1)
    assert recordings.store().find(entry.recording_path) is not None
    assert leftovers(app) == [entry.recording_path]
    assert queued == [entry.id]
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).status is EntryStatus.PENDING  # committed


def test_refused_upload_makes_no_row(app, ctx, queued):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    with pytest.raises(TooLarge):
        store(ctx, tone_wav(1.0))
    assert leftovers(app) == [] and rows() == 0 and queued == []


def test_failure_at_commit_leaves_no_file(app, ctx, queued, monkeypatch):
    def broken_commit():
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(db.session, "commit", broken_commit)
    with pytest.raises(OperationalError):
        store(ctx, tone_wav(0.5))
    monkeypatch.undo()
    assert leftovers(app) == [] and rows() == 0 and queued == []


def test_same_client_id_returns_the_entry_already_made(app, ctx, queued, monkeypatch):
    client_id = str(uuid.uuid4())
    first, _ = store(ctx, tone_wav(0.5), client_id)
    # Two requests at once: the second's own check missed the first; the unique key decides.
    monkeypatch.setattr(entries, "by_client_id", _missed_once(entries.by_client_id))
    again, created = store(ctx, tone_wav(0.7), client_id)
    assert (again.id, created) == (first.id, False)
    assert rows() == 1
    assert leftovers(app) == [first.recording_path]
    assert queued == [first.id]


def _missed_once(real):
    calls = []

    def lookup(user, client_id):
        calls.append(client_id)
        return None if len(calls) == 1 else real(user, client_id)

    return lookup
