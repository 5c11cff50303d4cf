"""Start-up recovery: partial uploads and recordings without a row go, answers stay."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.journal_factory import AUDIO_BYTES, add_entry, recording_path
from voiceguide.extensions import db
from voiceguide.jobs import backends, queue
from voiceguide.journal.recordings import store
from voiceguide.journal.recovery import Removed, remove_leftovers
from voiceguide.models import User


@pytest.fixture
def leftovers(app):
    """(kept recording, orphan recording, partial upload) as a killed server leaves them."""
    with app.app_context():
        user = User(username="alice", password_hash="x")
        db.session.add(user)
        db.session.commit()
        owner = user.id
    kept = recording_path(app, add_entry(app, owner, machine="words", recording=AUDIO_BYTES))
    folder = Path(app.config["RECORDINGS_DIR"]) / str(owner)
    orphan = folder / "0123456789abcdef.webm"  # renamed into place, killed before the commit
    partial = folder / ".upload-abc.part"  # killed while receiving (a fresh one: no age rule)
    orphan.write_bytes(AUDIO_BYTES)
    partial.write_bytes(b"\x1a\x45\xdf\xa3")
    return kept, orphan, partial


def test_leftovers_are_removed_and_answers_kept(app, leftovers):
    kept, orphan, partial = leftovers
    with app.app_context():
        assert remove_leftovers() == Removed(partial=1, orphans=1)
    assert kept.exists() and not orphan.exists() and not partial.exists()


def test_nothing_is_removed_while_an_upload_is_between_its_file_and_its_row(app, leftovers):
    _kept, orphan, partial = leftovers
    inside, done = threading.Event(), threading.Event()

    def uploading():  # another process's upload, after the rename and before the commit
        with app.app_context(), store().writing():
            inside.set()
            done.wait(10)

    other = threading.Thread(target=uploading)
    other.start()
    inside.wait(5)
    try:
        with app.app_context():
            assert remove_leftovers(wait_s=0.2) is None
        assert orphan.exists() and partial.exists()
    finally:
        done.set()
        other.join()
    with app.app_context():
        assert remove_leftovers(wait_s=0.2) == Removed(partial=1, orphans=1)


def test_the_worker_recovers_when_it_starts(make_app, leftovers):
    kept, orphan, partial = leftovers
    app = make_app(START_WORKER=True, WORKERS=1)
    try:
        app.test_client().get("/healthz")
        assert app.extensions[queue.EXTENSION_KEY].wait_idle(10)
    finally:
        backends.stop(app)
    assert kept.exists() and not orphan.exists() and not partial.exists()
