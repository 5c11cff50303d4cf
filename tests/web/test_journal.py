"""The journal page, its no-JavaScript forms, the typed answer on a stage page, and exports."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
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
from voiceguide.models import Entry


@pytest.fixture
def owner(app, auth):
    """Alice, signed in; her user id."""
    auth.register()
    return user_id(app, "alice")


def typed_form(auth, text="A typed answer", stage=STAGE, prompt="prompt-2", client_id=None):
    """The fields the stage page's typed-answer form sends."""
    return {
        "csrf_token": auth.csrf_token(f"/stages/{STAGE}"),
        "stage": stage,
        "prompt": prompt,
        "client_id": client_id or str(uuid.uuid4()),
        "text": text,
    }


def test_journal_needs_sign_in(client):
    response = client.get("/journal")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/journal"


def test_journal_groups_by_stage_in_program_order_then_day(app, client, owner):
    now = datetime.now(UTC)
    add_entry(app, owner, stage=OTHER_STAGE, corrected="Boundaries answer", created_at=now)
    add_entry(app, owner, corrected="Root answer, yesterday", created_at=now - timedelta(days=1))
    add_entry(app, owner, machine="Root answer, today", recording=AUDIO_BYTES, created_at=now)
    html = client.get("/journal").get_data(as_text=True)
    html = html[html.index('id="all-answers"') :]  # after the newest answers
    root = html.index("Stage 1: Finding the Root")
    boundaries = html.index("Stage 5: Setting Boundaries")
    assert root < html.index("Root answer, yesterday") < html.index("Root answer, today")
    assert html.index("Root answer, today") < boundaries < html.index("Boundaries answer")
    assert html.count('class="journal-day"') == 3
    assert "Think back to a time when your trust was broken." in html
    assert html.count("<audio controls") == 1
    assert html.count(">Edit<") == 3 and html.count("/delete") >= 3
    assert html.count(">Correct it<") == 1  # the machine transcript, not yet checked


def test_the_journal_opens_on_the_newest_answers(app, client, owner):
    now = datetime.now(UTC)
    for days in (4, 3, 2, 1):
        add_entry(app, owner, corrected=f"{days} days old", created_at=now - timedelta(days=days))
    html = client.get("/journal").get_data(as_text=True)
    newest = html[html.index('id="newest-title"') : html.index('id="all-answers"')]
    assert newest.index("1 days old") < newest.index("2 days old") < newest.index("3 days old")
    assert "4 days old" not in newest  # three, then everything by stage
    assert html.index('role="search"') < html.index('id="newest-title"')
    assert html.index('id="all-answers"') < html.index('id="progress-title"')
    filtered = client.get("/journal?q=old").get_data(as_text=True)
    assert 'id="newest-title"' not in filtered


def test_progress_counts_stages_with_every_question_answered(app, client, owner):
    for prompt in ("prompt-1", "prompt-2", "prompt-3"):
        add_entry(app, owner, prompt=prompt, corrected="answered")
    add_entry(app, owner, stage=OTHER_STAGE, corrected="one of three")
    html = client.get("/journal").get_data(as_text=True)
    assert "You have completed 1 of 7 stages." in html
    assert '<progress max="7" value="1"' in html
    assert "3 of 3 questions answered: complete" in html
    assert "1 of 3 questions answered" in html


def test_journal_search_and_stage_filter(app, client, owner):
    add_entry(app, owner, corrected="The lighthouse keeper lied")
    add_entry(app, owner, stage=OTHER_STAGE, corrected="The keeper of my boundaries")
    html = client.get("/journal?q=LIGHTHOUSE+keeper").get_data(as_text=True)
    assert "The lighthouse keeper lied" in html and "my boundaries" not in html
    assert "1 matching entry" in html
    html = client.get(f"/journal?q=keeper&stage={OTHER_STAGE}").get_data(as_text=True)
    assert "my boundaries" in html and "lighthouse" not in html
    html = client.get("/journal?q=nowhere").get_data(as_text=True)
    assert "Nothing matches that search." in html


def test_typed_answer_from_the_stage_page(app, client, auth, owner):
    page = client.get(f"/stages/{STAGE}").get_data(as_text=True)
    assert 'action="/journal/entries"' in page
    assert '<label for="typed-prompt-2">' in page
    form = typed_form(auth, "Written, not spoken")
    response = client.post("/journal/entries", data=form)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/stages/{STAGE}#part-prompt-2"
    assert "Your answer is saved" in client.get(response.headers["Location"]).get_data(as_text=True)
    again = client.post("/journal/entries", data=form)  # the same form sent twice
    assert again.status_code == 303
    entries = client.get("/api/entries").get_json()["entries"]
    assert [(e["prompt"], e["transcript"], e["kind"]) for e in entries] == [
        ("prompt-2", "Written, not spoken", "typed")
    ]


def test_typed_answer_must_not_be_empty(app, client, auth, owner):
    response = client.post("/journal/entries", data=typed_form(auth, "   "))
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Write an answer first" in page
    assert count(app) == 0
    response = client.post("/journal/entries", data=typed_form(auth, prompt="closing"))
    assert response.status_code == 404


def test_typed_answer_needs_an_account(client, auth):
    response = client.post("/journal/entries", data=typed_form(auth))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_edit_form_saves_a_correction_and_keeps_the_machine_text(app, client, auth, owner):
    entry = add_entry(app, owner, machine="I could not trussed anyone", recording=AUDIO_BYTES)
    page = client.get(f"/journal/entries/{entry}/edit").get_data(as_text=True)
    assert '<label for="transcript">' in page
    assert "I could not trussed anyone" in page
    token = auth.csrf_token(f"/journal/entries/{entry}/edit")
    response = client.post(
        f"/journal/entries/{entry}/edit",
        data={"transcript": "I could not trust anyone", "csrf_token": token},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/journal#entry-{entry}"
    with app.app_context():
        row = opened(db.session.get(Entry, entry))
        assert row.machine_transcript == "I could not trussed anyone"
        assert row.transcript == "I could not trust anyone"
    response = client.post(
        f"/journal/entries/{entry}/edit", data={"transcript": " ", "csrf_token": token}
    )
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_delete_asks_first_then_removes_entry_and_recording(app, client, auth, owner):
    entry = add_entry(app, owner, machine="to be deleted", recording=AUDIO_BYTES)
    path = recording_path(app, entry)
    page = client.get(f"/journal/entries/{entry}/delete").get_data(as_text=True)
    assert "Delete this answer?" in page
    assert "and its recording" in page
    assert count(app) == 1 and path.exists()  # asking deletes nothing
    token = auth.csrf_token(f"/journal/entries/{entry}/delete")
    response = client.post(f"/journal/entries/{entry}/delete", data={"csrf_token": token})
    assert response.status_code == 303
    assert count(app) == 0
    assert not path.exists()


def _journal_with_everything(app, owner) -> dict[int, bytes | None]:
    """Typed, corrected, spoken and failed entries; entry id -> its recording's bytes."""
    day = timedelta(days=1)
    now = datetime.now(UTC)
    typed = add_entry(app, owner, corrected="Typed: my first answer", created_at=now - 3 * day)
    corrected = add_entry(
        app,
        owner,
        machine="Spoken: the machine's words",
        corrected="Spoken: my words",
        recording=AUDIO_BYTES,
        created_at=now - 2 * day,
    )
    other_stage = add_entry(
        app,
        owner,
        stage=OTHER_STAGE,
        prompt="prompt-3",
        machine="Spoken: a boundary",
        recording=AUDIO_BYTES[::-1],
        created_at=now - day,
    )
    failed = add_entry(app, owner, status="failed", recording=b"silence")
    return {typed: None, corrected: AUDIO_BYTES, other_stage: AUDIO_BYTES[::-1], failed: b"silence"}


def test_json_export_holds_every_entry(app, client, owner):
    entries = _journal_with_everything(app, owner)
    response = client.get("/journal/export?format=json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.data)
    assert data["account"]["username"] == "alice"
    assert sorted(e["id"] for e in data["entries"]) == sorted(entries)
    by_id = {e["id"]: e for e in data["entries"]}
    spoken = by_id[list(entries)[1]]
    assert spoken["machine_transcript"] == "Spoken: the machine's words"
    assert spoken["corrected_transcript"] == spoken["transcript"] == "Spoken: my words"
    assert spoken["has_recording"] is True


def test_markdown_export_is_a_workbook(app, client, owner):
    _journal_with_everything(app, owner)
    response = client.get("/journal/export?format=md")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.startswith("# Building Bridges of Trust: the journal of alice")
    for expected in (
        "## Stage 1: Finding the Root",
        "### Think back to a time when your trust was broken. What happened?",
        "> Typed: my first answer",
        "> Spoken: my words",
        "## Stage 5: Setting Boundaries",
        "> Spoken: a boundary",
        "_Not transcribed",
    ):
        assert expected in text
    assert "the machine's words" not in text  # the workbook shows the corrected text
    assert text.index("Stage 1") < text.index("Stage 5")
    assert re.search(r"\*\*\d\d \w+ \d{4}, \d\d:\d\d\*\* \(typed\)", text)


def test_zip_export_holds_both_files_and_every_recording(app, client, owner):
    entries = _journal_with_everything(app, owner)
    response = client.get("/journal/export?format=zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    assert "journal.json" in names and "journal.md" in names
    data = json.loads(archive.read("journal.json"))
    assert sorted(e["id"] for e in data["entries"]) == sorted(entries)
    for item in data["entries"]:
        expected = entries[item["id"]]
        if expected is None:
            assert item["recording_file"] is None
        else:
            assert archive.read(item["recording_file"]) == expected
    assert len([n for n in names if n.startswith("recordings/")]) == 3
    assert archive.read("journal.md").decode().startswith("# Building Bridges of Trust")


def test_empty_journal_exports_cleanly(client, owner):
    assert json.loads(client.get("/journal/export?format=json").data)["entries"] == []
    assert "0 entries" in client.get("/journal/export?format=md").get_data(as_text=True)
    archive = zipfile.ZipFile(io.BytesIO(client.get("/journal/export?format=zip").data))
    assert sorted(archive.namelist()) == ["journal.json", "journal.md"]


def test_unknown_export_format_is_refused(client, owner):
    response = client.get("/journal/export?format=docx")
    assert response.status_code == 400
    assert "json, md, zip, html, pdf" in response.get_data(as_text=True)


def test_privacy_page_says_what_where_who_and_how(client):
    html = client.get("/privacy").get_data(as_text=True)
    for expected in (
        "What is stored",
        "Where it is kept",
        "Who can read it",
        "Nothing leaves the machine",
        "How to take your journal with you",
        "How to delete it",
        "argon2id",
        "recordings/",
    ):
        assert expected in html
