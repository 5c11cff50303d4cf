"""The journal (newest answers above the fold) and the downloaded workbook opened as a file:
no axe violation, phone and desktop."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.support import STAGE, sign_up
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_answers_over_time import DESKTOP, PHONE, answer, shoot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_journal_and_workbook_are_accessible(open_page, viewport, tmp_path):
    page = open_page(viewport=viewport, timezone="Europe/Paris")
    sign_up(page)
    page.goto("/journal")
    answer(page, text="What I noticed: I held my breath when he was late.")
    page.goto("/journal")
    newest = page.locator(".journal-newest .journal-entry").first
    expect(newest).to_contain_text("I held my breath")
    box = newest.bounding_box()
    assert box and box["y"] + box["height"] <= viewport["height"], box  # above the fold
    assert_accessible(page, f"journal, {viewport['width']}px")

    page.get_by_label("1. First Steps").check()
    with page.expect_download() as pdf:
        page.get_by_role("button", name="Download it as a PDF").click()
    assert pdf.value.suggested_filename.endswith(".pdf")
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF-")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the workbook").click()
    assert download.value.suggested_filename.endswith(".html")
    workbook = tmp_path / "workbook.html"
    download.value.save_as(workbook)
    page.goto(workbook.as_uri())
    expect(page.get_by_role("heading", level=1)).to_contain_text("the workbook of")
    expect(page.get_by_role("heading", name="Stage 1: First Steps")).to_be_visible()
    expect(page.get_by_text("Not answered yet.")).to_be_visible()  # the second question
    expect(page.get_by_text("Times are in Europe/Paris")).to_be_visible()
    assert page.locator("section.chapter").count() == 1
    assert_accessible(page, f"workbook, {viewport['width']}px")
    shoot(page, f"workbook-{viewport['width']}")
    assert STAGE in page.content()
