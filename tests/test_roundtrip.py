"""Round trip: Piper speaks a reflection, the browser formats are uploaded, Whisper writes it."""

from __future__ import annotations

import io
import time
import uuid

import pytest

from scripts.speech_samples import BROWSER_FORMATS, word_error_rate
from tests.fakes import tone_wav
from tests.helpers import AuthActions
from voiceguide.jobs import backends

pytestmark = pytest.mark.slow

MIMETYPES = {"webm": "audio/webm", "ogg": "audio/ogg", "m4a": "audio/mp4", "wav": "audio/wav"}


@pytest.fixture
def live(make_app, shared_whisper):
    """A signed-in client of an app with the real worker and the session's Whisper model."""
    app = make_app(START_WORKER=True, WORKERS=2, STT_ENGINE=shared_whisper)
    client = app.test_client()
    auth = AuthActions(client)
    auth.register()
    yield app, client, auth
    backends.stop(app)


def upload(client, auth, data: bytes, filename: str, mimetype: str):
    form = {
        "stage": "identify-the-root",
        "prompt": "prompt-1",
        "client_id": str(uuid.uuid4()),
        "audio": (io.BytesIO(data), filename, mimetype),
    }
    response = client.post("/api/entries", data=form, headers=auth.headers())
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["status"] == "pending"
    return response.get_json()["id"]


def wait_finished(client, entry_id: int, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        entry = client.get(f"/api/entries/{entry_id}").get_json()
        if entry["status"] in ("done", "failed"):
            return entry
        time.sleep(0.1)
    raise AssertionError(f"entry {entry_id} still {entry['status']} after {timeout} s")


def test_spoken_reflection_round_trip_in_every_browser_format(live, reflection):
    _, client, auth = live
    text, files = reflection
    ids = {
        fmt: upload(client, auth, files[fmt].read_bytes(), files[fmt].name, MIMETYPES[fmt])
        for fmt in BROWSER_FORMATS
    }
    for fmt, entry_id in ids.items():
        entry = wait_finished(client, entry_id)
        assert entry["status"] == "done", (fmt, entry["error"])
        assert entry["duration_s"] == pytest.approx(files["wav"].stat().st_size / 2 / 22050, 0.05)
        error_rate = word_error_rate(text, entry["transcript"])
        assert error_rate <= 0.15, (fmt, error_rate, entry["transcript"])


def test_silence_ends_failed_with_the_reason(live):
    _, client, auth = live
    silence = tone_wav(2.0, freq=0.0)  # a zero-frequency "tone" is all zeros
    entry = wait_finished(client, upload(client, auth, silence, "quiet.wav", "audio/wav"))
    assert (entry["status"], entry["error"]) == ("failed", "No speech was recognised")
    assert client.get(entry["audio_url"]).status_code == 200
