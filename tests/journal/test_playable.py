"""The journal's playable copy of each recording: AAC in MP4, made by the job, sealed.

Through the app: an upload, the real transcription job (with the fake recogniser) and
the real ffmpeg. The copy is sealed on disk, its exact length is on the entry, the audio
route serves it (Range on the decrypted copy) and the original until it exists, the zip
holds it, and deleting an entry or an account leaves no file behind.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import uuid
import zipfile
from pathlib import Path

import pytest

from tests.fakes import tone_wav
from tests.helpers import PASSWORD, AuthActions
from tests.test_at_rest import transcribe_all
from voiceguide.accounts import keyring
from voiceguide.extensions import db
from voiceguide.jobs import playable, queue, transcription
from voiceguide.journal import recordings, recovery, sealed
from voiceguide.models import Entry, EntryStatus
from voiceguide.speech.audio import ffmpeg_exe
from voiceguide.speech.base import AudioDecodeError

SECONDS = 3.7


@pytest.fixture
def alice(app) -> AuthActions:
    person = AuthActions(app.test_client())
    person.register()
    return person


def upload(person: AuthActions, data: bytes, name: str = "a.wav") -> int:
    form = {"stage": "identify-the-root", "prompt": "prompt-1", "client_id": str(uuid.uuid4())}
    response = person.client.post(
        "/api/entries",
        data={**form, "audio": (io.BytesIO(data), name)},
        headers=person.headers(),
    )
    assert response.status_code == 202, response.get_json()
    return response.get_json()["id"]


def row(app, entry_id: int) -> Entry | None:
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        if entry is not None:
            db.session.expunge(entry)
        return entry


def files(app) -> list[Path]:
    root = Path(app.config["RECORDINGS_DIR"])
    return [p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")]


def declared_seconds(data: bytes, tmp_path: Path) -> float:
    """The duration an MP4 file declares in its header, as ffmpeg reads it."""
    path = tmp_path / "copy.m4a"
    path.write_bytes(data)
    done = subprocess.run([ffmpeg_exe(), "-i", str(path)], capture_output=True, text=True)
    found = re.search(r"Duration: (\d+):(\d\d):(\d\d\.\d+)", done.stderr)
    assert found, done.stderr
    hours, minutes, seconds = found.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def test_the_job_makes_a_sealed_copy_with_the_exact_duration(app, alice, tmp_path):
    entry_id = upload(alice, tone_wav(SECONDS))
    before = alice.client.get(f"/api/entries/{entry_id}").get_json()
    assert before["playable"] is False
    transcribe_all(app)
    entry = row(app, entry_id)
    assert entry is not None and entry.status == EntryStatus.DONE
    assert entry.playable_path and entry.playable_path.endswith(".m4a")
    assert entry.playable_path != entry.recording_path
    on_disk = (Path(app.config["RECORDINGS_DIR"]) / entry.playable_path).read_bytes()
    assert sealed.is_sealed(on_disk)
    for plain in (b"ftyp", b"moov", b"mdat", b"mp4a"):  # no MP4 structure in the clear
        assert plain not in on_disk
    assert entry.duration_s == pytest.approx(SECONDS, abs=0.1)
    shown = alice.client.get(f"/api/entries/{entry_id}").get_json()
    assert shown["playable"] is True and shown["duration_s"] == pytest.approx(SECONDS, abs=0.1)
    copy = alice.client.get(f"/api/entries/{entry_id}/audio").data
    assert declared_seconds(copy, tmp_path) == pytest.approx(SECONDS, abs=0.1)


def test_the_audio_route_serves_the_copy_with_range_and_the_original_before_it(app, alice):
    entry_id = upload(alice, tone_wav(SECONDS))
    original = alice.client.get(f"/api/entries/{entry_id}/audio")
    assert original.mimetype == "audio/wav" and original.data == tone_wav(SECONDS)
    transcribe_all(app)
    whole = alice.client.get(f"/api/entries/{entry_id}/audio")
    assert whole.status_code == 200 and whole.mimetype == "audio/mp4"
    assert whole.headers["Accept-Ranges"] == "bytes"
    # The decrypted copy, as the store reads it with the owner's key.
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        key = keyring.open_with_password(entry.owner, PASSWORD)
        reader = recordings.store().open(entry.playable_path, sealed.RecordingCipher(key))
        assert reader is not None
        decrypted = reader.read()
    assert whole.data == decrypted
    assert decrypted[4:8] == b"ftyp" and decrypted.index(b"moov") < decrypted.index(b"mdat")
    start, end = 1000, len(decrypted) - 17
    part = alice.client.get(
        f"/api/entries/{entry_id}/audio", headers={"Range": f"bytes={start}-{end}"}
    )
    assert part.status_code == 206 and part.mimetype == "audio/mp4"
    assert part.data == decrypted[start : end + 1]
    assert part.headers["Content-Range"] == f"bytes {start}-{end}/{len(decrypted)}"
    tail = alice.client.get(f"/api/entries/{entry_id}/audio", headers={"Range": "bytes=-100"})
    assert tail.status_code == 206 and tail.data == decrypted[-100:]


def test_range_across_sealed_chunks_of_a_long_copy(app, alice):
    entry_id = upload(alice, tone_wav(30.0, rate=16000))
    transcribe_all(app)
    whole = alice.client.get(f"/api/entries/{entry_id}/audio").data
    assert len(whole) > 2 * sealed.CHUNK
    start, end = sealed.CHUNK - 10, sealed.CHUNK + 4000
    part = alice.client.get(
        f"/api/entries/{entry_id}/audio", headers={"Range": f"bytes={start}-{end}"}
    )
    assert part.status_code == 206 and part.data == whole[start : end + 1]


def test_the_zip_holds_the_playable_copies_named_by_stage_date_and_question(app, alice):
    first = upload(alice, tone_wav(1.0))
    transcribe_all(app)
    second = upload(alice, tone_wav(1.0))  # not converted yet: its original goes in
    archive = zipfile.ZipFile(io.BytesIO(alice.client.get("/journal/export?format=zip").data))
    names = sorted(n for n in archive.namelist() if n.startswith("recordings/"))
    assert len(names) == 2
    pattern = r"recordings/stage-1-identify-the-root/\d{4}-\d\d-\d\d_\d{4}-utc_prompt-1_entry%d%s"
    assert re.fullmatch(pattern % (first, r"\.m4a"), names[0])
    assert re.fullmatch(pattern % (second, r"\.wav"), names[1])
    assert archive.read(names[0]) == alice.client.get(f"/api/entries/{first}/audio").data
    listed = {
        e["id"]: e["recording_file"] for e in json.loads(archive.read("journal.json"))["entries"]
    }
    assert listed == {first: names[0], second: names[1]}


def test_deleting_an_entry_or_an_account_leaves_no_file(app, alice):
    kept = upload(alice, tone_wav(1.0))
    gone = upload(alice, tone_wav(1.0))
    transcribe_all(app)
    assert len(files(app)) == 4  # two originals, two copies
    response = alice.client.delete(f"/api/entries/{gone}", headers=alice.headers())
    assert response.status_code == 204
    left = {f"{p.parent.name}/{p.name}" for p in files(app)}
    entry = row(app, kept)
    assert entry is not None and left == {entry.recording_path, entry.playable_path}
    token = alice.csrf_token("/auth/account/delete")
    response = alice.client.post(
        "/auth/account/delete", data={"password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303
    assert files(app) == []


def test_recovery_keeps_a_rows_copy_and_removes_a_copy_without_a_row(app, alice):
    entry_id = upload(alice, tone_wav(1.0))
    transcribe_all(app)
    entry = row(app, entry_id)
    assert entry is not None
    stray = Path(app.config["RECORDINGS_DIR"]) / entry.playable_path
    orphan = stray.with_name("0123456789abcdef0123456789abcdef.m4a")
    orphan.write_bytes(stray.read_bytes())
    with app.app_context():
        removed = recovery.remove_leftovers(wait_s=1.0)
    assert removed is not None and removed.orphans == 1
    names = {f"{p.parent.name}/{p.name}" for p in files(app)}
    assert names == {entry.recording_path, entry.playable_path}


def test_a_failed_conversion_never_fails_the_transcription(app, alice, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise AudioDecodeError("no")

    monkeypatch.setattr(playable, "encode_playable", broken)
    entry_id = upload(alice, tone_wav(1.0))
    transcribe_all(app)
    entry = row(app, entry_id)
    assert entry is not None and entry.status == EntryStatus.DONE
    assert entry.playable_path is None and entry.job_key is None
    assert "playable copy was not made" in caplog.text
    assert len(files(app)) == 1  # the original only: nothing half-made
    assert alice.client.get(f"/api/entries/{entry_id}/audio").mimetype == "audio/wav"


def test_a_copy_for_an_entry_deleted_meanwhile_is_not_kept(app, alice):
    entry_id = upload(alice, tone_wav(1.0))
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        key = keyring.open_with_password(entry.owner, PASSWORD)
        owner, recording = entry.user_id, entry.recording_path
        # The row goes while the job works: the job's copy finds no row to attach to.
        db.session.execute(db.delete(Entry).where(Entry.id == entry_id))
        db.session.commit()
        assert playable.make_copy(entry_id, owner, recording, key) is None
    assert [p.name for p in files(app)] == [Path(recording).name]


def test_old_entries_get_their_copy_after_the_owners_next_sign_in(app, alice):
    entry_id = upload(alice, tone_wav(2.0))
    transcribe_all(app)
    with app.app_context():  # as if made before copies existed: transcribed, no copy
        entry = db.session.get(Entry, entry_id)
        recordings.store().delete(entry.playable_path)
        entry.playable_path, entry.duration_s = None, 1.99
        db.session.commit()
        assert transcription.due_entry_ids() == []
    alice.logout()
    alice.login()
    with app.app_context():
        waiting = db.session.get(Entry, entry_id)
        assert waiting.job_key is not None and waiting.status == EntryStatus.DONE
        assert transcription.due_entry_ids() == [entry_id]
    transcribe_all(app)
    entry = row(app, entry_id)
    assert entry is not None and entry.playable_path and entry.job_key is None
    assert entry.status == EntryStatus.DONE and entry.duration_s == pytest.approx(2.0, abs=0.1)
    assert alice.client.get(f"/api/entries/{entry_id}/audio").mimetype == "audio/mp4"
    with app.app_context():
        assert transcription.due_entry_ids() == []


def test_the_transcript_is_saved_before_the_copy_is_made(app, alice, monkeypatch):
    # A person waits for the words; the copy comes after them (about 0.3 s per 30 s), as a
    # job of its own: the transcription job only queues it.
    copies: list[int] = []
    monkeypatch.setattr(queue, "enqueue_copy", copies.append)
    entry_id = upload(alice, tone_wav(1.0))
    with app.app_context():
        transcription.transcribe_entry(entry_id)
    entry = row(app, entry_id)
    assert entry is not None and entry.status == EntryStatus.DONE
    assert entry.playable_path is None and entry.job_key is not None  # kept for the copy
    assert copies == [entry_id]
    monkeypatch.undo()
    seen: list[tuple[str, bool]] = []
    encode = playable.encode_playable

    def watching(*args, **kwargs):
        entry = row(app, entry_id)
        assert entry is not None
        seen.append((entry.status, entry.machine_sealed is not None))
        return encode(*args, **kwargs)

    monkeypatch.setattr(playable, "encode_playable", watching)
    with app.app_context():
        playable.convert_waiting(entry_id)  # the copy job
    assert seen == [(EntryStatus.DONE, True)]
    entry = row(app, entry_id)
    assert entry is not None and entry.playable_path and entry.job_key is None


def test_a_worker_killed_while_copying_leaves_the_copy_to_the_sweep(app, alice, monkeypatch):
    class Killed(BaseException):
        """Stands for the process dying mid-encode: nothing after it runs."""

    def killed(*args, **kwargs):
        raise Killed

    encode = playable.encode_playable
    monkeypatch.setattr(playable, "encode_playable", killed)
    entry_id = upload(alice, tone_wav(1.0))
    with app.app_context():
        transcription.transcribe_entry(entry_id)
    with app.app_context(), pytest.raises(Killed):
        playable.convert_waiting(entry_id)  # the copy job
    entry = row(app, entry_id)
    # The transcript stands; the key stays for the copy, so the sweep finds the entry.
    assert entry is not None and entry.status == EntryStatus.DONE and entry.job_key is not None
    with app.app_context():
        assert transcription.due_entry_ids() == [entry_id]
    monkeypatch.setattr(playable, "encode_playable", encode)  # a healthy worker
    transcribe_all(app)
    entry = row(app, entry_id)
    assert entry is not None and entry.playable_path and entry.job_key is None
    with app.app_context():
        assert transcription.due_entry_ids() == []
