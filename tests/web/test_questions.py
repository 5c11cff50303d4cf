"""One question's answers over time: the page, the API filter, a second round, local days."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.journal_factory import AUDIO_BYTES, OTHER_STAGE, STAGE, add_entry, user_id

QUESTION = f"/journal/questions/{STAGE}/prompt-1"


@pytest.fixture
def owner(app, auth):
    """Alice, signed in; her user id."""
    auth.register()
    return user_id(app, "alice")


def test_every_answer_newest_first_with_dates(app, client, owner):
    now = datetime(2026, 11, 30, 9, 5, tzinfo=UTC)
    add_entry(app, owner, corrected="First, in spring", created_at=now - timedelta(days=200))
    add_entry(app, owner, machine="Then, spoken", recording=AUDIO_BYTES, created_at=now)
    add_entry(app, owner, prompt="prompt-2", corrected="Another question")
    add_entry(app, owner, stage=OTHER_STAGE, corrected="Another stage")
    response = client.get(QUESTION)
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    html = response.get_data(as_text=True)
    assert "Think back to a time when your trust was broken." in html
    assert html.index("Then, spoken") < html.index("First, in spring")
    assert "Another question" not in html and "Another stage" not in html
    assert '<time datetime="2026-11-30T09:05:00Z" data-local="relative">' in html
    assert "You have answered this question 2 times" in html
    assert html.count("<audio controls") == 1
    assert "Hear how your answers changed" in html
    assert "js/changes.js" in html and "js/localtime.js" in html


def test_reachable_from_the_journal_and_the_stage_page(app, client, owner):
    add_entry(app, owner, corrected="An answer")
    assert f'href="{QUESTION}"' in client.get("/journal").get_data(as_text=True)
    stage = client.get(f"/stages/{STAGE}").get_data(as_text=True)
    assert f'href="{QUESTION}"' in stage
    assert "Your answers to question 1 over time" in stage


def test_no_answer_yet_and_unknown_questions(client, owner):
    html = client.get(QUESTION).get_data(as_text=True)
    assert "You have not answered this question yet." in html
    assert "Hear how your answers changed" not in html
    assert client.get(f"/journal/questions/{STAGE}/intro").status_code == 404
    assert client.get(f"/journal/questions/{STAGE}/nope").status_code == 404
    assert client.get("/journal/questions/nope/prompt-1").status_code == 404


def test_another_persons_answers_never_show(app, client, auth, owner):
    add_entry(app, owner, corrected="Alice's own words")
    auth.logout()
    auth.register("bob")
    html = client.get(QUESTION).get_data(as_text=True)
    assert "Alice's own words" not in html
    assert "You have not answered this question yet." in html


def test_signed_out_is_sent_to_sign_in(client):
    response = client.get(QUESTION)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_a_second_round_keeps_the_first_answer(client, auth, owner):
    """Answering a question again (a stage done again) adds an answer, never replaces one."""
    for text in ("The first round", "The second round"):
        response = client.post(
            "/journal/entries",
            data={
                "csrf_token": auth.csrf_token(f"/stages/{STAGE}"),
                "stage": STAGE,
                "prompt": "prompt-1",
                "client_id": str(uuid.uuid4()),
                "text": text,
            },
        )
        assert response.status_code == 303
    found = client.get(f"/api/entries?stage={STAGE}&prompt=prompt-1").get_json()["entries"]
    assert [e["transcript"] for e in found] == ["The second round", "The first round"]
    html = client.get(QUESTION).get_data(as_text=True)
    assert html.index("The second round") < html.index("The first round")


def test_journal_days_follow_the_kept_time_zone(app, client, auth, owner):
    # 23:30 UTC on the 1st is already the 2nd in Auckland.
    add_entry(app, owner, corrected="Late", created_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    assert "Sunday 01 March 2026" in client.get("/journal").get_data(as_text=True)
    client.put("/api/preferences", json={"timeZone": "Pacific/Auckland"}, headers=auth.headers())
    html = client.get("/journal").get_data(as_text=True)
    assert "Monday 02 March 2026" in html
    assert re.search(r'<time datetime="2026-03-01T23:30:00Z" data-local="relative">', html)
