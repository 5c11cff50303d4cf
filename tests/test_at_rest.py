"""Private at rest: nothing in the data directory reveals anyone's words or voice.

Typed and spoken entries, corrections, exports, voice commands and a deleted account
leave no marker text and no audio container signature in any file of the data directory
(the SQLite write-ahead log included); the owner reads everything after a restart and a
new sign-in; another account, the database without the cookie and the cookie without the
database open nothing.
"""

from __future__ import annotations

import base64
import io
import uuid
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.fakes import tone_wav
from tests.helpers import PASSWORD, AuthActions
from voiceguide.accounts import keyring, keys
from voiceguide.errors import JournalDamaged
from voiceguide.extensions import db
from voiceguide.jobs import playable, transcription
from voiceguide.journal import recordings, sealed
from voiceguide.models import Entry, User, UserSession
from voiceguide.speech import registry

MARKER = "quokka-lantern-tamarind"
# Container signatures; ID3 with its version byte (three bytes alone turn up by chance in
# a few hundred KiB of ciphertext), and bare ID3 at the start of a file.
SIGNATURES = (
    b"RIFF",
    b"WAVE",
    b"OggS",
    b"\x1a\x45\xdf\xa3",
    b"ftyp",
    b"moov",  # the playable copies' MP4 index
    b"mp4a",
    b"fLaC",
    b"ID3\x03",
    b"ID3\x04",
)


def data_files(app) -> list[Path]:
    return [p for p in Path(app.config["DATA_DIR"]).rglob("*") if p.is_file()]


def database_rows(app) -> bytes:
    """Every value of every table, as the database hands them out (PostgreSQL keeps its
    files elsewhere: its rows are checked instead)."""
    with app.app_context():
        values = [
            value
            for table in db.metadata.sorted_tables
            for row in db.session.execute(table.select())
            for value in row
        ]
    return b"\n".join(v if isinstance(v, bytes) else str(v).encode() for v in values)


def assert_nothing_readable(app, *extra: bytes) -> None:
    """No marker, no audio signature and none of `extra` in any file of the data directory
    (the database's write-ahead log included), nor in any value the database holds."""
    files = data_files(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert any(p.name.endswith("-wal") for p in files)  # the log is looked at too
    blobs = [(path, path.read_bytes()) for path in files]
    blobs.append((Path("<database rows>"), database_rows(app)))
    for path, data in blobs:
        assert MARKER.encode() not in data, path
        assert MARKER.encode("utf-16-le") not in data, path
        assert not data.startswith(b"ID3"), path
        for needle in (*SIGNATURES, *extra):
            assert needle not in data, (path, needle)


def post_entry(auth: AuthActions, **fields) -> dict:
    form = {"stage": "identify-the-root", "prompt": "prompt-1", "client_id": str(uuid.uuid4())}
    response = auth.client.post("/api/entries", data={**form, **fields}, headers=auth.headers())
    assert response.status_code in (201, 202), response.get_json()
    return response.get_json()


def transcribe_all(app) -> None:
    """Run the due jobs as a queue would: each transcription, then the copies they queued."""
    with app.app_context():
        for entry_id in transcription.due_entry_ids():
            transcription.transcribe_entry(entry_id)
        for entry_id in db.session.scalars(select(Entry.id).where(playable.waiting_clause())):
            playable.convert_waiting(entry_id)


def recovery_key(auth: AuthActions) -> str:
    text = auth.client.get("/auth/recovery-key.txt").get_data(as_text=True)
    return text.split("\n\n")[1].strip()


@pytest.fixture
def journal(app, tone_uploads):
    """Alice's journal: a typed answer, spoken ones in three formats (transcribed), a
    correction, and every export downloaded once."""
    with app.app_context():
        registry.stt().text = f"spoken {MARKER}"
    alice = AuthActions(app.test_client())
    alice.register()
    typed = post_entry(alice, text=f"typed {MARKER}")
    spoken = [
        post_entry(alice, audio=(io.BytesIO(tone_uploads[fmt].read_bytes()), f"a.{fmt}"))
        for fmt in ("ogg", "webm", "m4a")
    ]
    spoken.append(post_entry(alice, audio=(io.BytesIO(tone_wav(1.0)), "a.wav")))
    transcribe_all(app)
    corrected = spoken[0]["id"]
    response = alice.client.patch(
        f"/api/entries/{corrected}", json={"transcript": f"corrected {MARKER}"},
        headers=alice.headers(),
    )  # fmt: skip
    assert response.status_code == 200
    for kind in ("json", "md", "zip"):
        assert alice.client.get(f"/journal/export?format={kind}").status_code == 200
    return alice, typed["id"], [s["id"] for s in spoken]


def test_nothing_in_the_data_directory_reveals_words_or_voice(app, journal, tone_uploads):
    alice = journal[0]
    # A voice command is transcribed and never kept.
    clip = (io.BytesIO(tone_uploads["ogg"].read_bytes()), "c.ogg")
    assert alice.client.post("/api/commands", data={"audio": clip}, headers=alice.headers())
    page = alice.client.get(f"/journal?q={MARKER.split('-')[0]}").get_data(as_text=True)
    assert f"typed {MARKER}" in page and f"corrected {MARKER}" in page  # search in memory
    # Slices of the uploaded audio: not only their headers, nothing of them is on disk.
    samples = [tone_uploads[f].read_bytes()[200:232] for f in ("ogg", "webm", "m4a")]
    assert_nothing_readable(app, *samples)
    with app.app_context():
        assert db.session.scalar(select(Entry.job_key).where(Entry.job_key.is_not(None))) is None


def test_a_deleted_accounts_data_is_gone_and_its_keys_first(app, journal, monkeypatch):
    alice, _, _ = journal
    bob = AuthActions(app.test_client())
    bob.register("bob")
    post_entry(bob, text=f"bob {MARKER}")
    seen: list[tuple] = []
    original = keyring.shred

    def shred_then_look(user):
        original(user)
        db.session.flush()
        seen.append((user.dek_by_password, user.dek_by_recovery))

    monkeypatch.setattr(keyring, "shred", shred_then_look)
    token = alice.csrf_token("/auth/account/delete")
    response = alice.client.post(
        "/auth/account/delete", data={"password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303
    assert seen == [(None, None)]
    assert_nothing_readable(app)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "alice")) is None
    assert bob.client.get("/api/entries").get_json()["entries"][0]["transcript"] == f"bob {MARKER}"


def test_the_owner_reads_everything_after_a_restart_and_a_new_sign_in(make_app, journal):
    app_before = journal[0].client.application
    _, typed, spoken = journal
    restarted = make_app()  # the same data directory, a new process
    assert restarted.config["DATA_DIR"] == app_before.config["DATA_DIR"]
    alice = AuthActions(restarted.test_client())
    assert alice.login().status_code == 303
    entries = {e["id"]: e for e in alice.client.get("/api/entries").get_json()["entries"]}
    assert entries[typed]["transcript"] == f"typed {MARKER}"
    assert entries[spoken[0]]["transcript"] == f"corrected {MARKER}"
    assert entries[spoken[0]]["machine_transcript"] == f"spoken {MARKER}"
    assert entries[spoken[3]]["transcript"] == f"spoken {MARKER}"
    # The journal plays the playable copy (AAC in MP4), decrypted, Range and all.
    copy = alice.client.get(f"/api/entries/{spoken[3]}/audio")
    assert copy.status_code == 200 and copy.mimetype == "audio/mp4"
    assert copy.data[4:8] == b"ftyp" and copy.data.index(b"moov") < copy.data.index(b"mdat")
    part = alice.client.get(f"/api/entries/{spoken[3]}/audio", headers={"Range": "bytes=4-11"})
    assert part.status_code == 206 and part.data == copy.data[4:12]
    # The original recording is kept as it was uploaded.
    with restarted.app_context():
        entry = db.session.get(Entry, spoken[3])
        data_key = keyring.open_with_password(entry.owner, PASSWORD)
        reader = recordings.store().open(entry.recording_path, sealed.RecordingCipher(data_key))
        assert reader is not None and reader.read() == tone_wav(1.0)
    export = zipfile.ZipFile(io.BytesIO(alice.client.get("/journal/export?format=zip").data))
    audio = [n for n in export.namelist() if n.startswith("recordings/")]
    assert len(audio) == 4 and all(n.endswith(".m4a") for n in audio), audio
    assert copy.data in (export.read(n) for n in audio)
    assert MARKER in export.read("journal.md").decode()


def test_another_account_cannot_open_the_journal(app, journal):
    _, typed, _ = journal
    bob = AuthActions(app.test_client())
    bob.register("bob")
    assert bob.client.get(f"/api/entries/{typed}").status_code == 404
    with app.app_context():
        entry = db.session.get(Entry, typed)
        bobs_key = keyring.open_with_password(
            db.session.scalar(select(User).where(User.username == "bob")), PASSWORD
        )
        with pytest.raises(JournalDamaged):
            sealed.open_entry(entry, bobs_key)


def test_the_database_without_the_cookie_opens_nothing(app, journal):
    """All the database holds (token hashes, wraps, the job key) opens no data key."""
    with app.app_context():
        rows = db.session.scalars(select(UserSession)).all()
        assert rows and all(r.wrapped_key for r in rows)
        for row in rows:
            for guess in (row.token_hash.encode(), bytes.fromhex(row.token_hash)):
                with pytest.raises(keys.WrongKey):
                    keys.unwrap(keys.secret_kek(guess, "session"), row.wrapped_key, "session",
                                row.user_id)  # fmt: skip
                with pytest.raises(keys.WrongKey):  # nor the server's job key
                    keys.unwrap_for_job(row.wrapped_key, row.user_id, 0)
    assert app.test_client().get("/api/entries").status_code == 401


def test_the_cookie_without_the_database_opens_nothing(make_app, journal, tmp_path):
    alice, _, _ = journal
    app = alice.client.application
    cookie = alice.client.get_cookie("session")
    payload = cookie.value.split(".")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "alice"))
        data_key = keyring.open_with_password(user, PASSWORD)
    for form in (data_key, data_key.hex().encode(), base64.b64encode(data_key)):
        assert form not in decoded and form not in cookie.value.encode()
    # The same cookie at a server with another database: not signed in.
    elsewhere = make_app(DATA_DIR=str(tmp_path / "other-data"), DATABASE_URL=None)
    client = elsewhere.test_client()
    client.set_cookie("session", cookie.value)
    assert client.get("/api/entries").status_code == 401


def test_a_tampered_text_fails_loudly_and_is_logged(app, journal, caplog):
    alice, typed, _ = journal
    with app.app_context():
        entry = db.session.get(Entry, typed)
        damaged = bytearray(entry.corrected_sealed)
        damaged[-1] ^= 1
        entry.corrected_sealed = bytes(damaged)
        db.session.commit()
    response = alice.client.get(f"/api/entries/{typed}")
    assert response.status_code == 500
    assert response.get_json()["code"] == "journal_damaged"
    assert "changed or damaged" in response.get_json()["error"]
    assert f"entry {typed} corrected" in caplog.text
    page = alice.client.get("/journal")
    assert page.status_code == 500 and "could not be opened" in page.get_data(as_text=True)


def test_a_text_moved_to_another_entry_fails_to_open(app, journal):
    alice, typed, spoken = journal
    with app.app_context():
        source, target = db.session.get(Entry, typed), db.session.get(Entry, spoken[1])
        target.machine_sealed = source.corrected_sealed
        db.session.commit()
    assert alice.client.get(f"/api/entries/{spoken[1]}").status_code == 500


@pytest.mark.parametrize("column", ["playable_path", "recording_path"])
def test_a_tampered_recording_fails_loudly(app, journal, column):
    alice, _, spoken = journal
    with app.app_context():
        entry = db.session.get(Entry, spoken[3])
        name = getattr(entry, column)
        if column == "recording_path":  # the original is played while there is no copy
            recordings.store().delete(entry.playable_path)
    path = Path(app.config["RECORDINGS_DIR"]) / name
    damaged = bytearray(path.read_bytes())
    damaged[sealed.HEADER + 10] ^= 1
    path.write_bytes(bytes(damaged))
    response = alice.client.get(f"/api/entries/{spoken[3]}/audio")
    assert response.status_code == 500 and response.get_json()["code"] == "journal_damaged"
    assert alice.client.get("/journal/export?format=zip").status_code == 500
