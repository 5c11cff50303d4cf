"""Streamed answers private at rest: chunks, segment audio, segment texts and drafts.

A streamed answer is scanned mid-stream (chunks and a segment's audio waiting for its
job), after its segment was transcribed, and after the finish and the entry's job: no
spoken word and no slice of the WebM the browser sent is in any file of the data
directory or any value of the database. The stream's key for its jobs is wrapped for the
stream alone, and goes when the stream closes; account deletion and shredding cover
streams.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from tests.helpers import PASSWORD, AuthActions
from tests.journal_factory import STAGE, data_key, opened, recording_bytes, user_id
from tests.test_at_rest import MARKER, assert_nothing_readable
from voiceguide.accounts import keyring, keys
from voiceguide.errors import JournalDamaged
from voiceguide.extensions import db
from voiceguide.jobs.playable import convert_waiting
from voiceguide.jobs.segments import transcribe_segment
from voiceguide.jobs.transcription import due_entry_ids, transcribe_entry
from voiceguide.journal.recordings import store
from voiceguide.journal.stream_files import STREAM_PREFIX
from voiceguide.models import AnswerStream, Entry, StreamSegment, User, utcnow
from voiceguide.speech import registry


def slices(data: bytes, width: int = 24) -> list[bytes]:
    """Pieces of `data` from its start, middle and end (not only its header)."""
    middle = len(data) // 2
    return [data[:width], data[middle : middle + width], data[-width:]]


class Person:
    """A signed-in person streaming one answer."""

    def __init__(self, app, webm: bytes, username: str = "alice") -> None:
        self.app, self.webm = app, webm
        self.auth = AuthActions(app.test_client())
        self.auth.register(username)
        self.owner = user_id(app, username)
        self.key = data_key(app, username)
        body = {"stage": STAGE, "prompt": "prompt-1", "client_id": str(uuid.uuid4())}
        opened_stream = self.auth.client.post(
            "/api/streams", json=body, headers=self.auth.headers()
        )
        assert opened_stream.status_code == 201
        self.stream = opened_stream.get_json()["id"]
        size = len(webm) // 4 + 1
        self.parts = [webm[i : i + size] for i in range(0, len(webm), size)]

    def put(self, number: int) -> dict:
        url = f"/api/streams/{self.stream}/chunks/{number}"
        response = self.auth.client.put(url, data=self.parts[number], headers=self.auth.headers())
        assert response.status_code in (200, 201), response.get_json()
        return response.get_json()

    def finish(self):
        url = f"/api/streams/{self.stream}/finish"
        body = {"chunks": len(self.parts)}
        return self.auth.client.post(url, json=body, headers=self.auth.headers())

    def closed_segment(self, number: int, pcm: bytes) -> int:
        """A segment as the live view records it: its row, its audio kept for its job."""
        with self.app.app_context():
            row = StreamSegment(stream_id=self.stream, number=number, start_s=0.0, end_s=0.5)
            db.session.add(row)
            db.session.commit()
            store().put_segment_audio(self.owner, self.stream, number, pcm, self.key)
            return row.id

    def stream_folder(self) -> Path:
        return (
            Path(self.app.config["RECORDINGS_DIR"])
            / str(self.owner)
            / (f"{STREAM_PREFIX}{self.stream}")
        )


@pytest.fixture
def webm(tone_uploads) -> bytes:
    return tone_uploads["webm"].read_bytes()


@pytest.fixture
def spoken(app):
    """The fake engine hears the marker word."""
    with app.app_context():
        registry.stt().text = f"spoken {MARKER}"


def test_nothing_a_streamed_answer_keeps_is_readable(app, webm, spoken):
    person = Person(app, webm)
    pcm = secrets.token_bytes(3200)  # a segment's decoded audio (random: no chance match)
    for number in range(3):
        person.put(number)
    segment = person.closed_segment(0, pcm)
    # Mid-stream: the chunks and the segment's audio wait on disk, sealed.
    assert sorted(p.name for p in person.stream_folder().iterdir())[:3] == [
        "000000.chunk",
        "000001.chunk",
        "000002.chunk",
    ]
    assert_nothing_readable(app, *slices(webm), *slices(pcm))
    with app.app_context():
        transcribe_segment(segment)
        row = db.session.get(StreamSegment, segment)
        assert row.status == "done" and row.text_sealed is not None
    assert not any(p.name.startswith("segment-") for p in person.stream_folder().iterdir())
    ack = person.put(3)
    assert ack["draft"] == f"spoken {MARKER}"  # opened for its owner, in the answer only
    assert_nothing_readable(app, *slices(webm), *slices(pcm))
    finished = person.finish()
    assert finished.status_code == 202
    entry_id = finished.get_json()["id"]
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        assert entry.job_key is not None  # the entry's job gets the key, as an upload's
        stream = db.session.get(AnswerStream, person.stream)
        assert stream.job_key is None  # the stream's work is over: its copy is gone
        transcribe_entry(entry_id)
        convert_waiting(entry_id)  # the playable copy's job, which drops the key
        entry = opened(db.session.get(Entry, entry_id))
        assert entry.machine_transcript.startswith(f"spoken {MARKER}")
        assert entry.job_key is None
    assert recording_bytes(app, entry_id) == webm  # the sealed recording is the whole answer
    assert not person.stream_folder().exists()
    assert_nothing_readable(app, *slices(webm), *slices(pcm))


def test_an_interrupted_stream_becomes_a_sealed_entry_through_the_streams_key(app, webm, spoken):
    person = Person(app, webm)
    for number in range(4):
        person.put(number)
    with app.app_context():
        db.session.execute(
            update(AnswerStream).values(last_chunk_at=utcnow() - timedelta(seconds=121))
        )
        db.session.commit()
        # The sweep runs without anyone's session: only the stream's wrapped key opens it.
        due = due_entry_ids()
        entry = db.session.scalar(select(Entry))
        assert due == [entry.id] and entry.interrupted is True
        assert entry.job_key is not None
        assert db.session.get(AnswerStream, person.stream).job_key is None
        transcribe_entry(entry.id)
        assert opened(db.session.get(Entry, entry.id)).machine_transcript == f"spoken {MARKER}"
    assert recording_bytes(app, entry.id) == webm
    assert_nothing_readable(app, *slices(webm))


def test_the_streams_key_opens_for_that_stream_only(app, webm):
    person = Person(app, webm)
    with app.app_context():
        wrapped = db.session.get(AnswerStream, person.stream).job_key
        key = keys.unwrap_for_job(wrapped, person.owner, person.stream, "stream")
        assert key == person.key
        with pytest.raises(keys.WrongKey):  # not as an entry's job key of the same number
            keys.unwrap_for_job(wrapped, person.owner, person.stream)
        with pytest.raises(keys.WrongKey):  # nor as another stream's
            keys.unwrap_for_job(wrapped, person.owner, person.stream + 1, "stream")


def test_a_chunk_moved_to_another_number_or_changed_does_not_open(app, webm):
    person = Person(app, webm)
    person.put(0)
    person.put(1)
    folder = person.stream_folder()
    first = (folder / "000000.chunk").read_bytes()
    (folder / "000001.chunk").write_bytes(first)  # moved
    with app.app_context(), pytest.raises(JournalDamaged):
        store().open_chunks(person.owner, person.stream, [1], person.key).read()
    (folder / "000000.chunk").write_bytes(first[:-1] + bytes([first[-1] ^ 1]))  # changed
    with app.app_context(), pytest.raises(JournalDamaged):
        store().open_chunks(person.owner, person.stream, [0], person.key).read()


def test_shredding_and_deleting_the_account_cover_streams(app, webm):
    person = Person(app, webm)
    person.put(0)
    with app.app_context():
        user = db.session.get(User, person.owner)
        keyring.shred(user)
        db.session.flush()
        assert db.session.get(AnswerStream, person.stream).job_key is None
        db.session.rollback()
    token = person.auth.csrf_token("/auth/account/delete")
    response = person.auth.client.post(
        "/auth/account/delete", data={"password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303
    assert not person.stream_folder().exists()
    with app.app_context():
        assert db.session.scalar(select(AnswerStream)) is None
    assert_nothing_readable(app, *slices(webm))
