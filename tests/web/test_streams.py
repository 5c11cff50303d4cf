"""Streamed answers: chunks stored before acknowledged, bounds, the finish, the idle timeout."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from tests.helpers import AuthActions
from tests.journal_factory import STAGE, count, data_key, user_id
from voiceguide.extensions import db
from voiceguide.jobs.playable import convert_waiting
from voiceguide.jobs.transcription import due_entry_ids, transcribe_entry
from voiceguide.journal.recordings import store
from voiceguide.journal.recovery import remove_leftovers
from voiceguide.models import AnswerStream, Entry, utcnow

WEBM_MAGIC = b"\x1a\x45\xdf\xa3"


def pieces(data: bytes, n: int) -> list[bytes]:
    """`data` cut into n byte ranges (what MediaRecorder's timeslices add up to)."""
    size = -(-len(data) // n)
    return [data[i : i + size] for i in range(0, len(data), size)]


def stream_api(app, client):
    """Sign up on `client`; helpers for the streams API as that person."""
    auth = AuthActions(client)
    auth.register()
    headers = auth.headers()

    class Api:
        owner = user_id(app, "alice")
        key = data_key(app)
        auth_headers = headers

        @staticmethod
        def open(client_id=None, prompt="prompt-1"):
            body = {"stage": STAGE, "prompt": prompt, "client_id": client_id or str(uuid.uuid4())}
            return client.post("/api/streams", json=body, headers=headers)

        @staticmethod
        def put(stream_id, number, data):
            return client.put(
                f"/api/streams/{stream_id}/chunks/{number}", data=data, headers=headers
            )

        @staticmethod
        def finish(stream_id, chunks):
            return client.post(
                f"/api/streams/{stream_id}/finish", json={"chunks": chunks}, headers=headers
            )

        @staticmethod
        def chunk_files(stream_id):
            with app.app_context():
                return store().chunk_numbers(Api.owner, stream_id)

        @staticmethod
        def recordings():
            folder = Path(app.config["RECORDINGS_DIR"]) / str(Api.owner)
            return sorted(p.name for p in folder.glob("*") if p.is_file())

    return Api


@pytest.fixture
def api(app, client):
    """A signed-in client's stream helpers."""
    return stream_api(app, client)


@pytest.fixture
def webm(tone_uploads) -> bytes:
    return tone_uploads["webm"].read_bytes()


def test_a_streamed_answer_becomes_an_entry(app, client, api, webm):
    opened = api.open()
    assert opened.status_code == 201
    stream = opened.get_json()
    assert stream["open"] is True and stream["chunks"] == 0
    parts = pieces(webm, 4)
    for number, data in enumerate(parts):
        acked = api.put(stream["id"], number, data)
        assert acked.status_code == 201
        body = acked.get_json()
        assert body["chunk"] == number and body["chunks"] == number + 1
        assert set(body) >= {"speech_ended", "speech_heard", "silence_s", "draft"}
        # Durable before acknowledged: the chunk is on disk when the 201 arrives.
        assert api.chunk_files(stream["id"]) == list(range(number + 1))

    finished = api.finish(stream["id"], len(parts))
    assert finished.status_code == 202
    entry = finished.get_json()
    assert entry["status"] == "pending" and entry["interrupted"] is False
    assert entry["duration_s"] == pytest.approx(1.0, abs=0.1)
    assert client.get(entry["audio_url"]).data == webm  # the chunks, joined in order
    assert api.chunk_files(stream["id"]) == []  # the chunks are gone once joined

    again = api.finish(stream["id"], len(parts))
    assert (again.status_code, again.get_json()["id"]) == (200, entry["id"])
    resend = client.post(
        "/api/entries",
        data={"stage": STAGE, "prompt": "prompt-1", "client_id": stream["client_id"]},
        headers=api.auth_headers,
    )
    assert (resend.status_code, resend.get_json()["id"]) == (200, entry["id"])
    assert count(app) == 1
    late = api.put(stream["id"], 0, parts[0])
    assert (late.status_code, late.get_json()["code"]) == (409, "stream_closed")


def test_open_is_idempotent_per_client_id(api):
    client_id = str(uuid.uuid4())
    first = api.open(client_id)
    second = api.open(client_id)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json()["id"] == second.get_json()["id"]


def test_a_repeated_chunk_is_acknowledged_again_and_a_different_one_refused(app, api, webm):
    stream = api.open().get_json()
    first = webm[:400]
    assert api.put(stream["id"], 0, first).status_code == 201
    again = api.put(stream["id"], 0, first)
    assert again.status_code == 200
    assert again.get_json()["stored"] is False and again.get_json()["chunks"] == 1
    other = api.put(stream["id"], 0, WEBM_MAGIC + b"different")
    assert (other.status_code, other.get_json()["code"]) == (409, "chunk_mismatch")
    with app.app_context():
        assert store().open_chunks(api.owner, stream["id"], [0], api.key).read() == first  # kept


@pytest.mark.parametrize(
    ("number", "data", "status", "code"),
    [
        (0, b"", 400, "empty_recording"),
        (0, b"not audio at all", 415, "unsupported_format"),
        (0, WEBM_MAGIC + b"\0" * (8 * 1024), 413, "too_large"),
        (5, WEBM_MAGIC, 413, "too_many_chunks"),
    ],
)
def test_a_bad_chunk_is_refused_with_its_code_and_leaves_nothing(
    make_app, number, data, status, code
):
    app = make_app(STREAM_CHUNK_MAX_KB=4, STREAM_MAX_CHUNKS=5)
    api = stream_api(app, app.test_client())
    stream = api.open().get_json()
    response = api.put(stream["id"], number, data)
    assert (response.status_code, response.get_json()["code"]) == (status, code)
    assert api.chunk_files(stream["id"]) == []
    with app.app_context():
        assert db.session.get(AnswerStream, stream["id"]).chunks == 0


def test_a_stream_larger_than_the_upload_limit_is_refused(make_app, webm):
    app = make_app(MAX_UPLOAD_MB=len(webm) / 2 / 1048576)
    api = stream_api(app, app.test_client())
    stream = api.open().get_json()
    statuses = [api.put(stream["id"], n, d).status_code for n, d in enumerate(pieces(webm, 4))]
    assert statuses[:2] == [201, 201] and 413 in statuses[2:]
    refused = statuses.index(413)
    assert api.chunk_files(stream["id"]) == list(range(refused))  # the refused one left nothing


def test_another_persons_stream_is_not_found(app, client, api, auth):
    stream = api.open().get_json()
    auth.logout()
    auth.register("bob")
    headers = auth.headers()
    put = client.put(f"/api/streams/{stream['id']}/chunks/0", data=WEBM_MAGIC, headers=headers)
    finish = client.post(f"/api/streams/{stream['id']}/finish", json={"chunks": 1}, headers=headers)
    assert (put.status_code, finish.status_code) == (404, 404)
    assert api.chunk_files(stream["id"]) == []


def test_a_finish_before_every_chunk_arrived_is_refused_and_keeps_them(api, webm):
    stream = api.open().get_json()
    parts = pieces(webm, 3)
    api.put(stream["id"], 0, parts[0])
    api.put(stream["id"], 2, parts[2])
    refused = api.finish(stream["id"], 3)
    assert (refused.status_code, refused.get_json()["code"]) == (409, "chunks_missing")
    assert "1" in refused.get_json()["error"]
    assert api.chunk_files(stream["id"]) == [0, 2]
    api.put(stream["id"], 1, parts[1])
    assert api.finish(stream["id"], 3).status_code == 202


@pytest.mark.parametrize("body", [{}, {"chunks": "x"}, {"chunks": -1}, {"chunks": True}])
def test_a_finish_without_a_count_is_a_bad_request(client, api, body):
    stream = api.open().get_json()
    response = client.post(
        f"/api/streams/{stream['id']}/finish", json=body, headers=api.auth_headers
    )
    assert (response.status_code, response.get_json()["code"]) == (400, "bad_request")


def test_a_stream_that_does_not_decode_is_refused_at_the_finish_and_leaves_nothing(app, api):
    stream = api.open().get_json()
    api.put(stream["id"], 0, WEBM_MAGIC + b"\x00garbage" * 50)
    refused = api.finish(stream["id"], 1)
    assert refused.status_code == 422
    assert api.chunk_files(stream["id"]) == [] and api.recordings() == []
    assert count(app) == 0


def test_a_stream_left_without_a_finish_becomes_an_interrupted_entry(app, api, webm):
    stream = api.open().get_json()
    parts = pieces(webm, 4)
    for number, data in enumerate(parts[:3]):  # the tab closed before the last piece
        api.put(stream["id"], number, data)
    with app.app_context():
        assert due_entry_ids() == []  # not idle yet
        db.session.execute(
            update(AnswerStream).values(last_chunk_at=utcnow() - timedelta(seconds=121))
        )
        db.session.commit()
        due = due_entry_ids()
        entry = db.session.scalar(select(Entry))
        assert due == [entry.id]
        assert entry.interrupted is True and entry.client_id == stream["client_id"]
        assert entry.status == "pending"
    assert api.chunk_files(stream["id"]) == []
    closed = api.put(stream["id"], 3, parts[3])
    assert closed.get_json()["code"] == "stream_closed"


def test_a_new_stream_for_the_same_question_closes_the_open_one(app, client, api, webm):
    first = api.open().get_json()
    api.put(first["id"], 0, webm)
    second = api.open()
    assert second.status_code == 201
    old = client.get(f"/api/streams/{first['id']}").get_json()
    assert old["open"] is False and old["entry_id"] is not None
    with app.app_context():
        assert db.session.get(Entry, old["entry_id"]).interrupted is True
    other_question = api.open(prompt="prompt-2")
    assert other_question.status_code in (201, 404)  # the program may have one prompt


def test_recovery_keeps_an_open_streams_chunks_and_removes_a_closed_ones(app, api, webm):
    live = api.open().get_json()
    api.put(live["id"], 0, webm[:500])
    closed = api.open().get_json()  # the same question: `live` is closed
    with app.app_context():
        # As a crash after the closing commit, before its chunks were removed, leaves it:
        store().put_chunk(api.owner, live["id"], 0, webm[:500], api.key)
    api.put(closed["id"], 0, webm[:500])
    with app.app_context():
        removed = remove_leftovers()
    assert removed is not None and removed.streams == 1
    assert api.chunk_files(live["id"]) == []  # closed: its chunks are in its entry
    assert api.chunk_files(closed["id"]) == [0]  # open: kept


def test_a_discarded_stream_leaves_no_chunk_and_no_entry(app, client, api, webm):
    stream = api.open().get_json()
    api.put(stream["id"], 0, webm)
    discarded = client.delete(f"/api/streams/{stream['id']}", headers=api.auth_headers)
    assert discarded.status_code == 204
    assert api.chunk_files(stream["id"]) == [] and count(app) == 0
    assert api.finish(stream["id"], 1).get_json()["code"] == "stream_closed"
    with app.app_context():
        assert due_entry_ids() == []  # nothing left for the idle sweep either


def test_asking_about_an_open_stream_keeps_it_from_the_idle_sweep(app, client, api, webm):
    """A recording held by Pause sends no chunk; the page asks about its stream instead."""
    stream = api.open().get_json()
    api.put(stream["id"], 0, webm)
    with app.app_context():
        db.session.execute(
            update(AnswerStream).values(last_chunk_at=utcnow() - timedelta(seconds=121))
        )
        db.session.commit()
    asked = client.get(f"/api/streams/{stream['id']}")
    assert asked.status_code == 200 and asked.get_json()["open"] is True
    with app.app_context():
        assert due_entry_ids() == [] and count(app) == 0  # not taken for a closed tab
    assert api.put(stream["id"], 1, webm[:10]).status_code == 201


def test_a_finish_sent_again_after_the_transcript_answers_with_the_opened_entry(app, api, webm):
    """A browser may send a POST again on a connection the server closed: the second finish
    answers with the entry as it is now, its transcript opened for its owner."""
    stream = api.open().get_json()
    api.put(stream["id"], 0, webm)
    first = api.finish(stream["id"], 1)
    assert first.status_code == 202
    with app.app_context():
        transcribe_entry(first.get_json()["id"])
    again = api.finish(stream["id"], 1)
    assert again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.get_json()["transcript"] == "a fake transcript"


def test_the_sweep_closes_a_stream_whose_answer_came_whole_into_that_entry(app, client, api, webm):
    stream = api.open().get_json()
    api.put(stream["id"], 0, webm)
    form = {"stage": STAGE, "prompt": "prompt-1", "client_id": stream["client_id"]}
    whole = client.post(
        "/api/entries",
        data={**form, "audio": (io.BytesIO(webm), "a.webm")},
        headers=api.auth_headers,
    )
    assert whole.status_code == 202
    with app.app_context():
        transcribe_entry(whole.get_json()["id"])  # its text sealed: opened without a session
        convert_waiting(whole.get_json()["id"])  # and the copy job that queued
        db.session.execute(
            update(AnswerStream).values(last_chunk_at=utcnow() - timedelta(seconds=121))
        )
        db.session.commit()
        assert due_entry_ids() == []
        closed = db.session.get(AnswerStream, stream["id"])
        assert closed.open_key is None and closed.entry_id == whole.get_json()["id"]
        assert closed.job_key is None
    assert count(app) == 1 and api.chunk_files(stream["id"]) == []
