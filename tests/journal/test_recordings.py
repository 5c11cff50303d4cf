"""The recordings store: receive and verify a file, find it, delete it; nothing half-made."""

from __future__ import annotations

import io
import os
import subprocess
import time

import pytest

from tests.fakes import tone_wav
from voiceguide.errors import (
    EmptyRecording,
    TooLarge,
    TooLong,
    Undecodable,
    UnsupportedFormat,
    UploadError,
)
from voiceguide.journal import sealed
from voiceguide.journal.recordings import LOCK_FILE, RecordingStore
from voiceguide.journal.sealed import RecordingCipher
from voiceguide.speech.audio import ffmpeg_exe
from voiceguide.uploads import FORMATS

MB = 1024 * 1024


CIPHER = RecordingCipher(os.urandom(32))


@pytest.fixture
def store(tmp_path) -> RecordingStore:
    return RecordingStore(tmp_path / "recordings")


def receive(store: RecordingStore, data: bytes, max_seconds: float = 600):
    return store.receive(
        7, io.BytesIO(data), max_bytes=25 * MB, max_seconds=max_seconds, cipher=CIPHER
    )


def leftovers(store: RecordingStore) -> list[str]:
    """Every file under the store's root, hidden temporary ones included."""
    root = store.root
    return sorted(
        os.path.relpath(os.path.join(d, f), root)
        for d, _, files in os.walk(root)
        for f in files
        if f != LOCK_FILE  # the store's lock, there for good
    )


@pytest.mark.parametrize("fmt", ["webm", "ogg", "m4a", "wav", "flac", "mp3"])
def test_received_file_is_kept_under_the_owner(store, tone_uploads, fmt):
    data = tone_uploads[fmt].read_bytes()
    stored = receive(store, data)
    extension, mimetype = FORMATS[{"m4a": "mp4"}.get(fmt, fmt)]
    assert stored.mimetype == mimetype
    assert stored.name.startswith("7/") and stored.name.endswith(extension)
    assert stored.seconds == pytest.approx(1.0, abs=0.1)
    on_disk = store.find(stored.name).read_bytes()
    assert sealed.is_sealed(on_disk) and data[:12] not in on_disk  # only the sealed form
    with store.open(stored.name, CIPHER) as recording:
        assert recording.read() == data
    assert leftovers(store) == [stored.name]  # no temporary file left beside it


def test_duration_comes_from_decoding_when_the_header_has_none(store, tone_uploads):
    webm = tone_uploads["webm"]
    probe = subprocess.run([ffmpeg_exe(), "-i", str(webm)], capture_output=True, text=True)
    assert "Duration: N/A" in probe.stderr  # like Chromium's MediaRecorder output
    assert receive(store, webm.read_bytes()).seconds == pytest.approx(1.0, abs=0.1)


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


def test_size_limit_enforced_while_reading(store):
    stream = Endless()
    with pytest.raises(TooLarge) as caught:
        store.receive(
            7, io.BufferedReader(stream), max_bytes=1 * MB, max_seconds=600, cipher=CIPHER
        )
    assert caught.value.code == "too_large"
    assert "limit is 1 MB" in caught.value.message
    assert stream.read_bytes < 2 * MB
    assert leftovers(store) == []


@pytest.mark.parametrize(
    ("data", "error", "code", "words"),
    [
        (b"", EmptyRecording, "empty_recording", "empty"),
        (b"Dear diary, today I felt calm.", UnsupportedFormat, "unsupported_format",
         "WebM, Ogg, MP4/M4A, WAV, FLAC or MP3"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, UnsupportedFormat, "unsupported_format",
         "not a supported audio format"),
        (b"OggS" + os.urandom(4000), Undecodable, "undecodable", "could not be decoded"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\0" * 20, Undecodable, "undecodable",
         "could not be decoded"),
    ],
    ids=["empty", "text", "png", "garbage-ogg", "truncated-wav"],
)  # fmt: skip
def test_bad_upload_refused_leaving_nothing(store, data, error, code, words):
    with pytest.raises(error) as caught:
        receive(store, data)
    assert isinstance(caught.value, UploadError)
    assert caught.value.code == code
    assert words in caught.value.message
    assert leftovers(store) == []


def test_too_long_refused_naming_the_limit(store):
    with pytest.raises(TooLong) as caught:
        receive(store, tone_wav(61.5, rate=8000), max_seconds=60)
    assert caught.value.code == "too_long"
    assert "too long; the limit is 1 minute" in caught.value.message
    assert leftovers(store) == []


def test_delete_and_find(store):
    stored = receive(store, tone_wav(0.5))
    path = store.find(stored.name)
    store.delete(stored.name)
    assert not path.exists()
    assert store.find(stored.name) is None
    store.delete(stored.name)  # already gone: fine
    store.delete(None)  # a typed entry has no recording: fine


def test_a_name_outside_the_store_is_never_resolved(store):
    assert store.path("../secret_key") is None
    assert store.find("../../etc/passwd") is None


def test_delete_owner_removes_the_folder(store):
    receive(store, tone_wav(0.5))
    store.delete_owner(7)
    assert leftovers(store) == []
    store.delete_owner(7)  # already gone: fine


def test_sweep_removes_only_old_partial_uploads(store):
    folder = store.root / "7"
    folder.mkdir(parents=True)
    old = folder / ".upload-old.part"
    fresh = folder / ".upload-new.part"
    keep = folder / "kept.webm"
    for path in (old, fresh, keep):
        path.write_bytes(b"x")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    os.utime(keep, (time.time() - 7200, time.time() - 7200))
    assert store.sweep_partial_uploads(max_age_s=3600) == 1
    assert not old.exists() and fresh.exists() and keep.exists()
