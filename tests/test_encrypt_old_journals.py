"""A journal kept before encryption is encrypted at its owner's next sign-in.

Starts from a database at the revision before encryption (7c1d2e9a4b10), with plain
texts and plain recording files, as a running installation has them.
"""

from __future__ import annotations

import io
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.fakes import tone_wav
from tests.helpers import PASSWORD, AuthActions
from tests.test_at_rest import MARKER, assert_nothing_readable, transcribe_all
from voiceguide.accounts import passwords, people
from voiceguide.extensions import db
from voiceguide.jobs import transcription
from voiceguide.models import User, UtcDateTime
from voiceguide.speech import registry

BEFORE_ENCRYPTION = "7c1d2e9a4b10"

users = sa.table(
    "users",
    sa.column("id", sa.Integer), sa.column("username", sa.String),
    sa.column("password_hash", sa.String), sa.column("storage_key", sa.String),
    sa.column("preferences", sa.JSON), sa.column("created_at", UtcDateTime),
)  # fmt: skip
entries = sa.table(
    "entries",
    *(sa.column(n, sa.String) for n in (
        "program", "stage", "prompt", "kind", "client_id", "recording_path",
        "recording_mimetype", "machine_transcript", "corrected_transcript", "status",
    )),
    sa.column("id", sa.Integer), sa.column("user_id", sa.Integer),
    sa.column("attempts", sa.Integer), sa.column("duration_s", sa.Float),
    sa.column("created_at", UtcDateTime),
)  # fmt: skip


def old_entry(user_id: int, **fields) -> dict:
    return {
        "user_id": user_id, "program": "building-bridges-of-trust", "stage": "identify-the-root",
        "prompt": "prompt-1", "client_id": str(uuid.uuid4()), "attempts": 0,
        "created_at": datetime.now(UTC), "recording_path": None, "recording_mimetype": None,
        "duration_s": None, "machine_transcript": None, "corrected_transcript": None, **fields,
    }  # fmt: skip


@pytest.fixture
def old_app(make_app):
    """An installation with one journal written before encryption, then migrated."""
    app = make_app(migrate=False)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade", BEFORE_ENCRYPTION])
    assert result.exit_code == 0, result.output
    folder = Path(app.config["RECORDINGS_DIR"]) / "1"
    folder.mkdir(parents=True)
    (folder / "done.wav").write_bytes(tone_wav(1.0))
    (folder / "pending.wav").write_bytes(tone_wav(0.5))
    with app.app_context():
        db.session.execute(users.insert().values(
            id=1, username="alice", password_hash=passwords.hash_password(PASSWORD),
            storage_key="0" * 32, preferences={}, created_at=datetime.now(UTC),
        ))  # fmt: skip
        spoken = {"kind": "spoken", "recording_mimetype": "audio/wav", "duration_s": 1.0}
        db.session.execute(entries.insert(), [
            old_entry(1, kind="typed", status="done", corrected_transcript=f"typed {MARKER}"),
            old_entry(1, status="done", recording_path="1/done.wav",
                      machine_transcript=f"heard {MARKER}", **spoken),
            old_entry(1, status="pending", recording_path="1/pending.wav", **spoken),
        ])  # fmt: skip
        db.session.commit()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    return app


def test_an_old_journal_is_encrypted_at_the_next_sign_in(old_app):
    with pytest.raises(AssertionError):  # the check sees plain words and audio: the control
        assert_nothing_readable(old_app)
    with old_app.app_context():
        registry.stt().text = f"later {MARKER}"
    alice = AuthActions(old_app.test_client())
    response = alice.login()
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/auth/recovery-key")
    page = alice.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your recovery key" in page and "only this once" in page
    transcribe_all(old_app)  # the pending recording, now sealed, with its job's key
    assert_nothing_readable(old_app)
    found = {e["transcript"] for e in alice.client.get("/api/entries").get_json()["entries"]}
    assert found == {f"typed {MARKER}", f"heard {MARKER}", f"later {MARKER}"}
    spoken = [e for e in alice.client.get("/api/entries").get_json()["entries"] if e["audio_url"]]
    audio = {alice.client.get(e["audio_url"]).data for e in spoken}
    assert audio == {tone_wav(1.0), tone_wav(0.5)}
    kept = {p.name for p in (Path(old_app.config["RECORDINGS_DIR"]) / "1").iterdir()}
    assert len(kept) == 2 and not kept & {"done.wav", "pending.wav"}  # plain files removed


def test_the_next_sign_in_opens_the_now_encrypted_journal(old_app):
    alice = AuthActions(old_app.test_client())
    alice.login()
    alice.logout()
    response = alice.login()
    assert response.status_code == 303 and response.headers["Location"] == "/journal"
    assert len(alice.client.get("/api/entries").get_json()["entries"]) == 3
    assert (
        io.BytesIO(alice.client.get("/journal/export?format=md").data).read().count(MARKER.encode())
        == 2
    )


def test_a_job_running_while_its_journal_is_encrypted_seals_its_transcript(old_app, monkeypatch):
    with old_app.app_context():
        engine = registry.stt()
        engine.text = f"meanwhile {MARKER}"
        heard = engine.transcribe

        def transcribe_during_sign_in(pcm, hints=()):
            # The owner signs in after the job decoded the plain file, before it finishes.
            assert AuthActions(old_app.test_client()).login().status_code == 303
            return heard(pcm, hints)

        monkeypatch.setattr(engine, "transcribe", transcribe_during_sign_in)
        transcription.transcribe_entry(3)
    assert_nothing_readable(old_app)
    alice = AuthActions(old_app.test_client())
    alice.login()
    assert alice.client.get("/api/entries/3").get_json()["transcript"] == f"meanwhile {MARKER}"


def test_two_first_sign_ins_at_once_make_one_key(old_app):
    """The second sign-in, which read the account before the first encrypted it, opens
    the first one's key rather than making another (which would lock the journal away)."""
    with old_app.app_context():
        stale = db.session.get(User, 1)
        assert stale.dek_by_password is None  # read before the other sign-in
        other: list[int] = []  # another thread: its own app context and database session
        thread = threading.Thread(
            target=lambda: other.append(AuthActions(old_app.test_client()).login().status_code)
        )
        thread.start()
        thread.join()
        assert other == [303]
        unlocked = people.authenticate("alice", PASSWORD)
        assert unlocked is not None and unlocked.recovery_key is None
    alice = AuthActions(old_app.test_client())
    alice.login()
    found = {e["transcript"] for e in alice.client.get("/api/entries").get_json()["entries"]}
    assert f"typed {MARKER}" in found
