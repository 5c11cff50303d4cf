"""Segments transcribed while the person speaks, and the entry's job joining them."""

from __future__ import annotations

import re
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.helpers import AuthActions
from tests.journal_factory import STAGE, data_key, opened, user_id
from voiceguide.extensions import db
from voiceguide.jobs.segments import WAIT_FOR_RUNNING_S, segment_text, transcribe_segment
from voiceguide.jobs.transcription import transcribe_entry
from voiceguide.journal import sealed
from voiceguide.journal.recordings import store
from voiceguide.models import Entry, StreamSegment, utcnow
from voiceguide.speech import registry


@pytest.fixture
def streamed(app, client, tone_uploads):
    """A signed-in person's open stream with a one-second WebM in four chunks (no finish)."""
    auth = AuthActions(client)
    auth.register()
    headers = auth.headers()
    body = {"stage": STAGE, "prompt": "prompt-1", "client_id": str(uuid.uuid4())}
    stream = client.post("/api/streams", json=body, headers=headers).get_json()
    data = tone_uploads["webm"].read_bytes()
    size = len(data) // 4 + 1
    parts = [data[i : i + size] for i in range(0, len(data), size)]

    class Streamed:
        id = stream["id"]
        owner = user_id(app, "alice")
        key = data_key(app)

        @staticmethod
        def put(number):
            url = f"/api/streams/{stream['id']}/chunks/{number}"
            return client.put(url, data=parts[number], headers=headers)

        @staticmethod
        def finish():
            url = f"/api/streams/{stream['id']}/finish"
            return client.post(url, json={"chunks": len(parts)}, headers=headers)

        @staticmethod
        def segment(number, start, end, status="done", text=None, audio=b"\0\0" * 1600):
            with app.app_context():
                context = sealed.stream_context(stream["id"], f"segment/{number}")
                row = StreamSegment(
                    stream_id=stream["id"], number=number, start_s=start, end_s=end,
                    status=status, text_sealed=sealed.seal_in(Streamed.key, context, text),
                )  # fmt: skip
                db.session.add(row)
                db.session.commit()
                store().put_segment_audio(Streamed.owner, stream["id"], number, audio, Streamed.key)
                return row.id

    return Streamed


def fake(app):
    with app.app_context():
        return registry.stt()


def test_the_acknowledgement_carries_the_draft_of_the_segments_done(app, streamed):
    assert streamed.put(0).get_json()["draft"] is None
    streamed.segment(0, 0.0, 0.3, text="I trusted")
    streamed.segment(1, 0.3, 0.5, status="processing")
    streamed.segment(2, 0.5, 0.7, text="a friend.")
    ack = streamed.put(1).get_json()
    assert ack["draft"] == "I trusted a friend."
    assert ack["speech_ended"] is False  # a tone is no speech


def transcribed(app, streamed, *segments) -> tuple[Entry, object]:
    """Send every chunk, add the segments (number, start, end, status, text), finish, run
    the entry's job; (the entry, the engine that ran)."""
    for number in range(4):
        streamed.put(number)
    for number, start, end, status, text in segments:
        streamed.segment(number, start, end, status=status, text=text)
    entry_id = streamed.finish().get_json()["id"]
    engine = fake(app)
    with app.app_context():
        transcribe_entry(entry_id)
        entry = opened(db.session.get(Entry, entry_id))
        db.session.expunge(entry)
    return entry, engine


def test_the_entry_job_transcribes_only_after_the_segments_done_and_joins(app, streamed):
    entry, engine = transcribed(
        app, streamed, (0, 0.0, 0.3, "done", "I trusted"), (1, 0.3, 0.6, "done", "a friend.")
    )
    assert entry.machine_transcript == "I trusted a friend. a fake transcript"
    # Only the audio after the last segment done, with the text before it as context.
    assert engine.context == "I trusted a friend."
    assert engine.seconds == pytest.approx(entry.duration_s - 0.6, abs=0.05)
    with app.app_context():  # the segments' words are in the transcript now: rows gone
        assert db.session.scalar(select(func.count()).select_from(StreamSegment)) == 0


def test_a_segment_not_done_stops_the_join_there(app, streamed):
    entry, engine = transcribed(
        app,
        streamed,
        (0, 0.0, 0.3, "done", "I trusted"),
        (1, 0.3, 0.6, "failed", None),
        (2, 0.6, 0.8, "done", "never joined"),
    )
    assert entry.machine_transcript == "I trusted a fake transcript"
    assert engine.seconds == pytest.approx(entry.duration_s - 0.3, abs=0.05)


def test_the_segment_job_transcribes_once_with_the_text_before_it(app, streamed):
    streamed.put(0)
    streamed.segment(0, 0.0, 0.3, text="I trusted")
    second = streamed.segment(1, 0.3, 0.6, status="pending", audio=b"\1\0" * 4800)
    engine = fake(app)
    with app.app_context():
        transcribe_segment(second)
        row = db.session.get(StreamSegment, second)
        assert row.status == "done"
        assert segment_text(row, streamed.key) == "a fake transcript"
        assert engine.context == "I trusted"
        assert engine.seconds == pytest.approx(0.3)
        calls = engine.calls
        transcribe_segment(second)  # a second delivery: claimed already, nothing runs
        assert engine.calls == calls


def test_a_segment_that_waited_long_for_a_worker_is_left_to_the_entry(app, streamed, caplog):
    # The workers are busy: a segment's Whisper pass would cost more than the finish saves.
    streamed.put(0)
    late = streamed.segment(0, 0.0, 0.3, status="pending")
    limit = app.config["STREAM_SEGMENT_MAX_WAIT_SECONDS"]
    with app.app_context():
        row = db.session.get(StreamSegment, late)
        row.closed_at = utcnow() - timedelta(seconds=limit + 0.5)
        db.session.commit()
        engine = fake(app)
        calls = engine.calls
        transcribe_segment(late)
        assert engine.calls == calls  # no Whisper pass
        assert db.session.get(StreamSegment, late).status == "failed"
        assert store().segment_audio(streamed.owner, streamed.id, 0, streamed.key) is None
    assert f"segment {late} left to its answer's job: it waited" in caplog.text
    entry, engine = transcribed(app, streamed)
    assert entry.machine_transcript == "a fake transcript"  # the whole answer, at the finish
    assert engine.seconds == pytest.approx(entry.duration_s, abs=0.05)


def test_a_fresh_segment_is_transcribed_and_logged_with_its_wait(app, streamed, caplog):
    streamed.put(0)
    fresh = streamed.segment(0, 0.0, 0.3, status="pending", audio=b"\1\0" * 4800)
    with app.app_context():
        transcribe_segment(fresh)
        assert db.session.get(StreamSegment, fresh).status == "done"
    assert re.search(rf"segment {fresh} transcribed: waited 0\.\d\d s, ran", caplog.text)


def test_segments_after_one_not_transcribed_are_left_to_the_entry(app, streamed):
    # The answer's job would transcribe them again: it joins only the segments done from
    # the first on.
    streamed.put(0)
    streamed.segment(0, 0.0, 0.3, status="failed")
    after = streamed.segment(1, 0.3, 0.6, status="pending", audio=b"\1\0" * 4800)
    engine = fake(app)
    calls = engine.calls
    with app.app_context():
        transcribe_segment(after)
        assert db.session.get(StreamSegment, after).status == "failed"
    assert engine.calls == calls


def test_a_segment_whose_audio_went_with_the_finish_is_left_to_the_entry(app, streamed):
    for number in range(4):
        streamed.put(number)
    late = streamed.segment(0, 0.0, 0.3, status="pending")
    streamed.finish()
    with app.app_context():
        transcribe_segment(late)
        assert db.session.get(StreamSegment, late).status == "failed"


def test_deleting_the_entry_deletes_its_segments_words(app, client, streamed):
    entry, _ = transcribed(app, streamed, (0, 0.0, 0.3, "failed", None))
    streamed.segment(1, 0.3, 0.6, text="words kept for a retry")
    response = client.delete(f"/api/entries/{entry.id}", headers=AuthActions(client).headers())
    assert response.status_code == 204
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StreamSegment)) == 0


def test_a_pending_segment_is_not_waited_for_its_audio_went_with_the_finish(app, streamed):
    started = time.monotonic()
    entry, _ = transcribed(
        app, streamed, (0, 0.0, 0.3, "done", "I trusted"), (1, 0.3, 0.6, "pending", None)
    )
    assert time.monotonic() - started < WAIT_FOR_RUNNING_S
    assert entry.machine_transcript == "I trusted a fake transcript"
