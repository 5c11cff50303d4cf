"""recordings.create_spoken_entry: store first, acknowledge after; nothing half-made."""

from __future__ import annotations

import io
import os
import subprocess
import time
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from werkzeug.datastructures import FileStorage

from tests.fakes import tone_wav
from voiceguide import jobs, recordings
from voiceguide.errors import ApiError
from voiceguide.extensions import db
from voiceguide.models import Entry, User
from voiceguide.speech.audio import ffmpeg_exe

STAGE, PROMPT = "identify-the-root", "prompt-1"


@pytest.fixture
def ctx(app):
    """An app context with one person in the database."""
    with app.app_context():
        user = User(username="alice", password_hash="not-a-real-hash")
        db.session.add(user)
        db.session.commit()
        yield user


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    """Entry ids handed to jobs.enqueue."""
    ids: list[int] = []
    monkeypatch.setattr(jobs, "enqueue", lambda entry_id, delay=0.0: ids.append(entry_id))
    return ids


def storage(data: bytes, filename: str = "answer.webm") -> FileStorage:
    """An upload as Werkzeug hands it over."""
    return FileStorage(stream=io.BytesIO(data), filename=filename, name="audio")


def store(user, data: bytes, client_id: str | None = None) -> Entry:
    return recordings.create_spoken_entry(
        user, STAGE, PROMPT, client_id or str(uuid.uuid4()), storage(data)
    )


def leftovers(app) -> list[str]:
    """Every file under the recordings directory, hidden temporary ones included."""
    root = app.config["RECORDINGS_DIR"]
    return sorted(
        os.path.relpath(os.path.join(d, f), root) for d, _, files in os.walk(root) for f in files
    )


def rows() -> int:
    return db.session.scalar(select(func.count()).select_from(Entry))


@pytest.mark.parametrize("fmt", ["webm", "ogg", "m4a", "wav", "flac", "mp3"])
def test_stored_then_committed_then_queued(app, ctx, queued, tone_uploads, fmt):
    data = tone_uploads[fmt].read_bytes()
    entry = store(ctx, data)

    assert (entry.kind, entry.status, entry.attempts) == ("spoken", "pending", 0)
    assert (entry.stage, entry.prompt, entry.program) == (
        STAGE,
        PROMPT,
        "building-bridges-of-trust",
    )
    assert entry.duration_s == pytest.approx(1.0, abs=0.1)
    extension, mimetype = recordings.FORMATS[{"m4a": "mp4"}.get(fmt, fmt)]
    assert entry.recording_mimetype == mimetype
    assert entry.recording_path.startswith(f"{ctx.id}/")
    assert entry.recording_path.endswith(extension)
    assert recordings.recording_path(entry).read_bytes() == data
    assert leftovers(app) == [entry.recording_path]  # no temporary file left beside it
    assert queued == [entry.id]
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).status == "pending"  # committed, not just flushed


def test_duration_comes_from_decoding_when_the_header_has_none(app, ctx, queued, tone_uploads):
    webm = tone_uploads["webm"]
    probe = subprocess.run([ffmpeg_exe(), "-i", str(webm)], capture_output=True, text=True)
    assert "Duration: N/A" in probe.stderr  # like Chromium's MediaRecorder output
    assert store(ctx, webm.read_bytes()).duration_s == pytest.approx(1.0, abs=0.1)


class Endless(io.RawIOBase):
    """A stream that never ends: the size limit must stop the reading."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        buffer[:] = b"\x1a\x45\xdf\xa3".ljust(len(buffer), b"\0")
        self.read_bytes += len(buffer)
        return len(buffer)


def test_size_limit_enforced_while_reading(app, ctx, queued):
    app.config["MAX_UPLOAD_MB"] = 1
    stream = Endless()
    upload = FileStorage(stream=io.BufferedReader(stream), filename="a.webm", name="audio")
    with pytest.raises(ApiError) as caught:
        recordings.create_spoken_entry(ctx, STAGE, PROMPT, str(uuid.uuid4()), upload)
    assert caught.value.status == 413
    assert "limit is 1 MB" in caught.value.message
    assert stream.read_bytes < 2 * 1024 * 1024
    assert leftovers(app) == [] and rows() == 0 and queued == []


@pytest.mark.parametrize(
    ("data", "status", "words"),
    [
        (b"", 400, "empty"),
        (b"Dear diary, today I felt calm.", 415, "WebM, Ogg, MP4/M4A, WAV, FLAC or MP3"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, 415, "not a supported audio format"),
        (b"OggS" + os.urandom(4000), 422, "could not be decoded"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\0" * 20, 422, "could not be decoded"),
    ],
    ids=["empty", "text", "png", "garbage-ogg", "truncated-wav"],
)
def test_bad_upload_refused_leaving_nothing(app, ctx, queued, data, status, words):
    with pytest.raises(ApiError) as caught:
        store(ctx, data)
    assert caught.value.status == status
    assert words in caught.value.message
    assert leftovers(app) == [] and rows() == 0 and queued == []


def test_too_long_refused_naming_the_limit(app, ctx, queued):
    app.config["MAX_RECORDING_SECONDS"] = 60
    with pytest.raises(ApiError) as caught:
        store(ctx, tone_wav(61.5, rate=8000))
    assert caught.value.status == 422
    assert "too long; the limit is 1 minute" in caught.value.message
    assert leftovers(app) == [] and rows() == 0


def test_failure_at_commit_leaves_no_file(app, ctx, queued, monkeypatch):
    def broken_commit():
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(db.session, "commit", broken_commit)
    with pytest.raises(OperationalError):
        store(ctx, tone_wav(0.5))
    monkeypatch.undo()
    assert leftovers(app) == [] and rows() == 0 and queued == []


def test_same_client_id_returns_the_entry_already_made(app, ctx, queued):
    client_id = str(uuid.uuid4())
    first = store(ctx, tone_wav(0.5), client_id)
    # The caller's own check missed it (two requests at once): the unique key decides.
    again = store(ctx, tone_wav(0.7), client_id)
    assert again.id == first.id
    assert rows() == 1
    assert leftovers(app) == [first.recording_path]
    assert queued == [first.id]


def test_delete_recording(app, ctx, queued):
    entry = store(ctx, tone_wav(0.5))
    path = recordings.recording_path(entry)
    recordings.delete_recording(entry)
    assert not path.exists()
    recordings.delete_recording(entry)  # already gone: fine
    typed = Entry(user_id=ctx.id, program="p", stage=STAGE, prompt=PROMPT, kind="typed")
    assert recordings.recording_path(typed) is None
    recordings.delete_recording(typed)


def test_sweep_removes_only_old_partial_uploads(app, ctx):
    folder = recordings.recordings_dir() / str(ctx.id)
    folder.mkdir()
    old = folder / ".upload-old.part"
    fresh = folder / ".upload-new.part"
    keep = folder / "kept.webm"
    for path in (old, fresh, keep):
        path.write_bytes(b"x")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    os.utime(keep, (time.time() - 7200, time.time() - 7200))
    assert recordings.sweep_partial_uploads(max_age_s=3600) == 1
    assert not old.exists() and fresh.exists() and keep.exists()
