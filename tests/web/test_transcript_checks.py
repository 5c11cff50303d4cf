"""Honest transcripts: the machine's text is marked until its owner confirms or corrects it."""

from __future__ import annotations

import pytest

from tests.journal_factory import STAGE, add_entry, user_id
from voiceguide.extensions import db
from voiceguide.models import Entry

MARK = "Transcribed automatically — check it."


@pytest.fixture
def owner(app, auth):
    """Alice, signed in; her user id."""
    auth.register()
    return user_id(app, "alice")


def checked_at(app, entry_id):
    with app.app_context():
        return db.session.get(Entry, entry_id).checked_at


def test_a_machine_transcript_is_marked_until_confirmed(app, client, auth, owner):
    spoken = add_entry(app, owner, machine="a secret I can't share it with her")
    add_entry(app, owner, corrected="Typed by me")
    html = client.get("/journal").get_data(as_text=True)
    assert html.count(MARK) == 1
    assert client.get(f"/api/entries/{spoken}").get_json()["checked"] is False
    response = client.post(
        f"/journal/entries/{spoken}/confirm",
        data={"csrf_token": auth.csrf_token("/journal"), "back": "journal"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/journal#entry-{spoken}"
    assert checked_at(app, spoken) is not None
    assert MARK not in client.get("/journal").get_data(as_text=True)
    assert client.get(f"/api/entries/{spoken}").get_json()["checked"] is True


def test_the_form_goes_back_to_the_question_it_came_from(app, client, auth, owner):
    spoken = add_entry(app, owner, machine="heard")
    question = f"/journal/questions/{STAGE}/prompt-1"
    assert MARK in client.get(question).get_data(as_text=True)
    response = client.post(
        f"/journal/entries/{spoken}/confirm",
        data={"csrf_token": auth.csrf_token(question), "back": f"{STAGE}/prompt-1"},
    )
    assert response.headers["Location"] == f"{question}#entry-{spoken}"


def test_the_api_confirms_and_a_correction_checks_too(app, client, auth, owner):
    first = add_entry(app, owner, machine="one")
    second = add_entry(app, owner, machine="two")
    response = client.post(f"/api/entries/{first}/confirm", headers=auth.headers())
    assert response.status_code == 200
    assert response.get_json()["checked"] is True and response.get_json()["checked_at"]
    response = client.patch(
        f"/api/entries/{second}", json={"transcript": "too"}, headers=auth.headers()
    )
    assert response.get_json()["checked"] is True
    assert MARK not in client.get("/journal").get_data(as_text=True)


def test_confirming_needs_a_transcript_the_token_and_the_owner(app, client, auth, owner):
    pending = add_entry(app, owner, status="pending", recording=b"OggS\x00\x02" + bytes(64))
    response = client.post(f"/api/entries/{pending}/confirm", headers=auth.headers())
    assert response.status_code == 409
    spoken = add_entry(app, owner, machine="mine")
    assert client.post(f"/api/entries/{spoken}/confirm").status_code == 400  # no CSRF token
    auth.logout()
    auth.register("bob")
    response = client.post(f"/api/entries/{spoken}/confirm", headers=auth.headers())
    assert response.status_code == 404
    assert checked_at(app, spoken) is None
