"""POST /api/entries with audio, and POST /api/entries/<id>/retry, over HTTP (fake STT)."""

from __future__ import annotations

import io
import os
import uuid

import pytest
from sqlalchemy import func, select

import tests.fakes
from tests.fakes import tone_wav
from tests.helpers import AuthActions
from voiceguide.extensions import db
from voiceguide.jobs import transcription as jobs
from voiceguide.journal.recordings import LOCK_FILE
from voiceguide.models import Entry

STAGE, PROMPT = "identify-the-root", "prompt-1"


def post_audio(client, auth, data: bytes, client_id: str | None = None, **fields):
    """Upload like the session page does: multipart with the CSRF header."""
    form = {"stage": STAGE, "prompt": PROMPT, "client_id": client_id or str(uuid.uuid4())}
    form.update(fields)
    form["audio"] = (io.BytesIO(data), "answer.webm", "audio/webm")
    return client.post(
        "/api/entries", data=form, headers=auth.headers(), content_type="multipart/form-data"
    )


def state(app) -> tuple[list[str], int]:
    """(files under the recordings directory, entry rows)."""
    root = app.config["RECORDINGS_DIR"]
    files = sorted(
        os.path.relpath(os.path.join(d, f), root)
        for d, _, names in os.walk(root)
        for f in names
        if f != LOCK_FILE  # the store's lock, there for good
    )
    with app.app_context():
        return files, db.session.scalar(select(func.count()).select_from(Entry))


def run_jobs(app) -> None:
    """What the worker would do: transcribe everything due."""
    with app.app_context():
        for entry_id in jobs.due_entry_ids():
            jobs.transcribe_entry(entry_id)


def test_audio_upload_accepted_then_transcribed(app, client, auth, tone_uploads):
    auth.register()
    data = tone_uploads["webm"].read_bytes()
    response = post_audio(client, auth, data)
    assert response.status_code == 202
    body = response.get_json()
    assert body["status"] == "pending"
    assert body["transcript"] is None
    assert body["duration_s"] == pytest.approx(1.0, abs=0.1)
    assert client.get(body["audio_url"]).data == data  # on disk before the 202
    files, count = state(app)
    assert count == 1 and len(files) == 1

    run_jobs(app)
    done = client.get(f"/api/entries/{body['id']}").get_json()
    assert done["status"] == "done"
    assert done["transcript"] == "a fake transcript"
    assert done["error"] is None


def test_same_client_id_never_makes_a_second_entry(app, client, auth):
    auth.register()
    client_id = str(uuid.uuid4())
    first = post_audio(client, auth, tone_wav(0.5), client_id)
    again = post_audio(client, auth, tone_wav(0.5), client_id)
    assert first.status_code == 202
    assert again.status_code in (200, 202)
    assert again.get_json()["id"] == first.get_json()["id"]
    files, count = state(app)
    assert count == 1 and len(files) == 1


@pytest.mark.parametrize(
    ("data", "fields", "status", "code", "words"),
    [
        (b"", {}, 400, "empty_recording", "empty"),
        (b"just some text, not audio", {}, 415, "unsupported_format", "not a supported audio"),
        (b"\x1a\x45\xdf\xa3" + b"\x00" * 500, {}, 422, "undecodable", "could not be decoded"),
        (tone_wav(3.0, rate=8000), {}, 422, "too_long", "too long; the limit is 2 seconds"),
        (tone_wav(0.5), {"stage": "no-such-stage"}, 404, "not_found", "no such stage"),
        (tone_wav(0.5), {"prompt": "intro"}, 404, "not_found", "no such question"),
        (tone_wav(0.5), {"client_id": "not-a-uuid"}, 400, "bad_request", "UUID"),
    ],
    ids=["empty", "not-audio", "undecodable", "too-long", "stage", "prompt", "client-id"],
)
def test_bad_upload_gets_json_error_and_leaves_nothing(make_app, data, fields, status, code, words):
    app = make_app(MAX_RECORDING_SECONDS=2)
    client = app.test_client()
    auth = AuthActions(client)
    auth.register()
    response = post_audio(client, auth, data, **fields)
    assert response.status_code == status
    assert response.get_json()["code"] == code
    assert words in response.get_json()["error"]
    assert state(app) == ([], 0)


def test_too_large_refused_while_reading(make_app):
    app = make_app(MAX_UPLOAD_MB=0.05)  # 51 KiB; the tone below is about 88 KiB
    client = app.test_client()
    auth = AuthActions(client)
    auth.register()
    response = post_audio(client, auth, tone_wav(2.0))
    assert response.status_code == 413
    assert response.get_json()["code"] == "too_large"
    assert "limit is 0.05 MB" in response.get_json()["error"]
    assert state(app) == ([], 0)


def test_not_signed_in(app, client, auth):
    response = post_audio(client, auth, tone_wav(0.5))
    assert response.status_code == 401
    assert response.get_json()["error"]
    assert state(app) == ([], 0)


def test_silence_accepted_then_failed_with_the_reason(app, client, auth, monkeypatch):
    monkeypatch.setattr(tests.fakes, "build_stt", lambda config: tests.fakes.FakeSTT(text=""))
    auth.register()
    response = post_audio(client, auth, tone_wav(1.0))
    assert response.status_code == 202
    run_jobs(app)
    entry = client.get(f"/api/entries/{response.get_json()['id']}").get_json()
    assert entry["status"] == "failed"
    assert entry["error"] == "No speech was recognised"
    assert client.get(entry["audio_url"]).status_code == 200  # kept, to listen and retry


# --- retry ---------------------------------------------------------------------


def failed_entry(app, client, auth, monkeypatch) -> int:
    """An entry whose transcription failed (the fake heard nothing); later jobs hear words."""
    with monkeypatch.context() as patch:
        patch.setattr(tests.fakes, "build_stt", lambda config: tests.fakes.FakeSTT(text=""))
        entry_id = post_audio(client, auth, tone_wav(0.5)).get_json()["id"]
        run_jobs(app)
    app.extensions["voiceguide.engines"].clear()  # the next job builds the usual fake
    return entry_id


def test_retry_a_failed_entry(app, client, auth, monkeypatch):
    auth.register()
    entry_id = failed_entry(app, client, auth, monkeypatch)
    response = client.post(f"/api/entries/{entry_id}/retry", headers=auth.headers())
    assert response.status_code == 202
    body = response.get_json()
    assert (body["id"], body["status"], body["error"]) == (entry_id, "pending", None)
    with app.app_context():
        assert db.session.get(Entry, entry_id).attempts == 0
    run_jobs(app)
    assert client.get(f"/api/entries/{entry_id}").get_json()["transcript"] == "a fake transcript"


def test_retry_only_when_failed(app, client, auth):
    auth.register()
    entry_id = post_audio(client, auth, tone_wav(0.5)).get_json()["id"]
    response = client.post(f"/api/entries/{entry_id}/retry", headers=auth.headers())
    assert response.status_code == 409
    assert (
        "Only a failed transcription can be retried; this one is pending"
        in (response.get_json()["error"])
    )
    typed = client.post(
        "/api/entries",
        data={"stage": STAGE, "prompt": PROMPT, "client_id": str(uuid.uuid4()), "text": "Hi"},
        headers=auth.headers(),
    ).get_json()["id"]
    response = client.post(f"/api/entries/{typed}/retry", headers=auth.headers())
    assert response.status_code == 409


def test_retry_is_the_owners_only(app, client, auth, monkeypatch):
    auth.register("alice")
    entry_id = failed_entry(app, client, auth, monkeypatch)
    auth.logout()
    response = client.post(f"/api/entries/{entry_id}/retry", headers=auth.headers())
    assert response.status_code == 401
    auth.register("bob")
    for target in (entry_id, 99999):
        response = client.post(f"/api/entries/{target}/retry", headers=auth.headers())
        assert response.status_code == 404
        assert response.is_json
    with app.app_context():
        assert db.session.get(Entry, entry_id).status == "failed"
