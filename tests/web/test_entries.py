"""The entry API: typed round trip, idempotent client ids, search, corrections, deletion, audio."""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.journal_factory import (
    AUDIO_BYTES,
    OTHER_STAGE,
    STAGE,
    add_entry,
    count,
    opened,
    recording_path,
    user_id,
)
from voiceguide.extensions import db
from voiceguide.journal import entries as journal
from voiceguide.models import Entry

CONTRACT_KEYS = {
    "id", "stage", "prompt", "status", "transcript", "error", "created_at", "duration_s",
    "audio_url",
}  # fmt: skip


@pytest.fixture
def api(app, client, auth):
    """A signed-in client's helpers: post(**fields), patch(id, json), delete(id)."""
    auth.register()
    headers = auth.headers()

    class Api:
        owner = user_id(app, "alice")

        @staticmethod
        def post(**fields):
            data = {"stage": STAGE, "prompt": "prompt-1", "client_id": str(uuid.uuid4())}
            data.update({k: v for k, v in fields.items() if v is not None})
            return client.post("/api/entries", data=data, headers=headers)

        @staticmethod
        def patch(entry_id, body):
            return client.patch(f"/api/entries/{entry_id}", json=body, headers=headers)

        @staticmethod
        def delete(entry_id):
            return client.delete(f"/api/entries/{entry_id}", headers=headers)

    return Api


def test_typed_entry_round_trip(client, api):
    response = api.post(text="  I trusted a friend with a secret.  ")
    assert response.status_code == 201
    entry = response.get_json()
    assert entry.keys() >= CONTRACT_KEYS
    assert entry["status"] == "done"
    assert entry["kind"] == "typed"
    assert entry["transcript"] == "I trusted a friend with a secret."
    assert entry["machine_transcript"] is None
    assert entry["audio_url"] is None and entry["duration_s"] is None and entry["error"] is None
    assert entry["stage"] == STAGE and entry["prompt"] == "prompt-1"
    assert entry["prompt_text"].startswith("Think back to a time")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", entry["created_at"])
    assert response.headers["Location"] == f"/api/entries/{entry['id']}"
    assert client.get(f"/api/entries/{entry['id']}").get_json() == entry
    assert client.get("/api/entries").get_json() == {"entries": [entry]}


def test_same_client_id_returns_the_existing_entry(app, api):
    client_id = str(uuid.uuid4())
    first = api.post(client_id=client_id, text="once")
    again = api.post(client_id=client_id.upper(), text="twice")
    assert first.status_code == 201 and again.status_code == 200
    assert again.get_json() == first.get_json()
    assert count(app) == 1


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"client_id": "not-a-uuid", "text": "x"}, 400, "client_id must be a UUID"),
        ({"client_id": "", "text": "x"}, 400, "client_id must be a UUID"),
        ({"stage": "no-such-stage", "text": "x"}, 404, "no such stage"),
        ({"prompt": "prompt-9", "text": "x"}, 404, "no such question"),
        ({"prompt": "intro", "text": "x"}, 404, "no such question"),
        ({"text": "   \n "}, 400, "empty"),
        ({"text": "x" * 10_001}, 400, "too long"),
        ({}, 400, "Send a recording (audio) or a typed answer (text)"),
    ],
)
def test_bad_entries_are_refused_with_json(app, api, fields, status, message):
    response = api.post(**fields)
    assert response.status_code == status
    assert message in response.get_json()["error"]
    assert count(app) == 0


def test_audio_and_text_together_are_refused(app, api, client):
    response = api.post(text="typed", audio=(io.BytesIO(AUDIO_BYTES), "a.ogg"))
    assert response.status_code == 400
    assert "not both" in response.get_json()["error"]


def _fake_spoken(app, calls):
    def create(user, stage, part, client_id, audio):
        calls.append(client_id)
        entry = Entry(
            user_id=user.id,
            program="building-bridges-of-trust",
            stage=stage.id,
            prompt=part.id,
            kind="spoken",
            client_id=client_id,
            recording_path=f"{user.id}/{client_id}.ogg",
            recording_mimetype="audio/ogg",
        )
        db.session.add(entry)
        db.session.commit()
        return entry, True

    return create


def test_audio_goes_to_recordings_and_a_repeat_never_does(app, api, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(journal, "create_spoken_entry", _fake_spoken(app, calls))
    client_id = str(uuid.uuid4())
    response = api.post(client_id=client_id, audio=(io.BytesIO(AUDIO_BYTES), "a.ogg"))
    assert response.status_code == 202
    body = response.get_json()
    assert body["status"] == "pending" and body["kind"] == "spoken"
    assert body["audio_url"] == f"/api/entries/{body['id']}/audio"
    again = api.post(client_id=client_id, audio=(io.BytesIO(AUDIO_BYTES), "a.ogg"))
    assert again.status_code == 200
    assert again.get_json()["id"] == body["id"]
    assert calls == [client_id]  # the repeat never reached the upload code


def test_list_is_newest_first_and_filters_by_stage(app, client, api):
    now = datetime.now(UTC)
    old = add_entry(app, api.owner, corrected="old", created_at=now - timedelta(days=2))
    new = add_entry(app, api.owner, corrected="new", created_at=now)
    other = add_entry(
        app, api.owner, stage=OTHER_STAGE, corrected="else", created_at=now - timedelta(days=1)
    )
    ids = [e["id"] for e in client.get("/api/entries").get_json()["entries"]]
    assert ids == [new, other, old]
    ids = [e["id"] for e in client.get(f"/api/entries?stage={OTHER_STAGE}").get_json()["entries"]]
    assert ids == [other]


def test_one_questions_answers_over_time(app, client, api):
    now = datetime.now(UTC)
    first = add_entry(app, api.owner, corrected="then", created_at=now - timedelta(days=9))
    later = add_entry(app, api.owner, corrected="now", created_at=now)
    add_entry(app, api.owner, prompt="prompt-2", corrected="another question")
    url = f"/api/entries?stage={STAGE}&prompt=prompt-1"
    assert [e["id"] for e in client.get(url).get_json()["entries"]] == [later, first]


def test_search_matches_every_word_in_either_transcript_ignoring_case(app, client, api):
    machine = add_entry(app, api.owner, machine="My Brother broke a promise", recording=AUDIO_BYTES)
    corrected = add_entry(app, api.owner, machine="my mother book", corrected="My mother broke it")
    typed = add_entry(app, api.owner, corrected="A promise kept, 100% sure")
    add_entry(app, api.owner, status="pending", recording=AUDIO_BYTES)  # nothing to match yet

    def search(q):
        entries = client.get("/api/entries", query_string={"q": q}).get_json()["entries"]
        return sorted(e["id"] for e in entries)

    assert search("BROKE") == sorted([machine, corrected])
    assert search("promise broke") == [machine]
    assert search("mother book") == [corrected]  # machine text is searched even when corrected
    assert search("promise") == sorted([machine, typed])
    assert search("100%") == [typed]
    assert search("%") == [typed]  # wildcards are taken literally
    assert search("_") == []
    assert search("nothing-like-this") == []


def test_correction_keeps_the_machine_text(app, client, api):
    entry = add_entry(app, api.owner, machine="I trussed him", recording=AUDIO_BYTES)
    response = api.patch(entry, {"transcript": " I trusted him "})
    assert response.status_code == 200
    body = response.get_json()
    assert body["transcript"] == "I trusted him"
    assert body["machine_transcript"] == "I trussed him"
    with app.app_context():
        row = opened(db.session.get(Entry, entry))
        assert (row.machine_transcript, row.corrected_transcript) == (
            "I trussed him",
            "I trusted him",
        )


@pytest.mark.parametrize(
    "body",
    [None, {}, {"text": "x"}, {"transcript": ""}, {"transcript": 5}, {"transcript": "x" * 10_001}],
)
def test_bad_corrections_are_refused(app, api, body):
    entry = add_entry(app, api.owner, corrected="kept")
    response = api.patch(entry, body)
    assert response.status_code == 400
    assert "error" in response.get_json()
    with app.app_context():
        assert opened(db.session.get(Entry, entry)).corrected_transcript == "kept"


def test_delete_removes_the_row_and_the_recording(app, client, api):
    entry = add_entry(app, api.owner, machine="words", recording=AUDIO_BYTES)
    path = recording_path(app, entry)
    assert path.exists()
    response = api.delete(entry)
    assert response.status_code == 204
    assert not path.exists()
    assert client.get(f"/api/entries/{entry}").status_code == 404
    assert api.delete(entry).status_code == 404
    assert count(app) == 0


def test_recording_is_served_with_range_support(app, client, api):
    entry = add_entry(app, api.owner, machine="words", recording=AUDIO_BYTES)
    url = client.get(f"/api/entries/{entry}").get_json()["audio_url"]
    response = client.get(url)
    assert response.status_code == 200
    assert response.data == AUDIO_BYTES
    assert response.mimetype == "audio/ogg"
    assert response.headers["Cache-Control"] == "no-store"  # a private recording
    partial = client.get(url, headers={"Range": "bytes=0-3"})
    assert partial.status_code == 206
    assert partial.data == b"OggS"


def test_no_recording_means_404(app, client, api):
    typed = add_entry(app, api.owner, corrected="typed")
    assert client.get(f"/api/entries/{typed}/audio").status_code == 404
    missing = add_entry(app, api.owner, machine="x", recording=AUDIO_BYTES)
    recording_path(app, missing).unlink()
    response = client.get(f"/api/entries/{missing}/audio")
    assert response.status_code == 404
    assert response.get_json()["error"] == "This entry has no recording."
