"""The workbook to share: every question, answered or not, in the person's time zone."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import pytest

from tests.journal_factory import OTHER_STAGE, STAGE, add_entry, user_id

WORKBOOK = "/journal/export?format=html"


@pytest.fixture
def owner(app, auth):
    """Alice, signed in; her user id."""
    auth.register()
    return user_id(app, "alice")


def test_workbook_holds_every_question_and_answers_in_order(app, client, auth, owner):
    client.put("/api/preferences", json={"timeZone": "Asia/Tokyo"}, headers=auth.headers())
    first = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # 2 March, 08:30 in Tokyo
    add_entry(app, owner, machine="machine words", corrected="my words", created_at=first)
    add_entry(app, owner, machine="unchecked words", created_at=datetime(2026, 4, 1, tzinfo=UTC))
    response = client.get(WORKBOOK)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Content-Disposition"].endswith('.html"')
    html = response.get_data(as_text=True)
    assert "This is a self-help exercise, not therapy" in html
    assert 'href="http://localhost/help"' in html
    assert html.count('class="chapter"') == 7  # the whole program
    assert "Not answered yet." in html
    assert "Setting Boundaries" in html
    assert "my words" in html and "machine words" not in html  # the correction is preferred
    assert html.index("my words") < html.index("unchecked words")  # oldest first
    assert html.count("transcribed automatically, not checked</span>") == 1
    assert "02 March 2026 at 08:30" in html and "Times are in Asia/Tokyo" in html
    assert "<script" not in html


def test_stages_are_chosen_with_repeated_stage(app, client, owner):
    add_entry(app, owner, corrected="root answer")
    add_entry(app, owner, stage=OTHER_STAGE, corrected="boundary answer")
    html = client.get(f"{WORKBOOK}&stage={OTHER_STAGE}").get_data(as_text=True)
    assert html.count('class="chapter"') == 1
    assert "boundary answer" in html and "root answer" not in html
    html = client.get(f"{WORKBOOK}&stage={OTHER_STAGE}&stage={STAGE}").get_data(as_text=True)
    assert html.count('class="chapter"') == 2
    assert html.index("root answer") < html.index("boundary answer")  # program order
    md = client.get(f"/journal/export?format=md&stage={STAGE}").get_data(as_text=True)
    assert "root answer" in md and "boundary answer" not in md
    response = client.get(f"{WORKBOOK}&stage=nope")
    assert response.status_code == 400


def test_the_journal_offers_the_workbook(client, owner):
    html = client.get("/journal").get_data(as_text=True)
    assert 'name="format" value="html"' in html and 'name="format" value="pdf"' in html
    assert html.count('name="stage" value=') == 7


def test_the_workbook_as_pdf(app, client, owner):
    add_entry(app, owner, corrected="root answer")
    response = client.get(f"/journal/export?format=pdf&stage={STAGE}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.data.startswith(b"%PDF-")
    assert response.headers["Content-Disposition"].endswith('.pdf"')


def test_without_weasyprint_the_pdf_is_a_clear_503(client, owner, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import fails, as without Pango
    response = client.get("/journal/export?format=pdf")
    assert response.status_code == 503
    assert "HTML workbook" in response.get_data(as_text=True)
