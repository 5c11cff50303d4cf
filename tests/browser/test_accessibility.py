"""axe-core finds no WCAG 2.2 A/AA violation on the pages and in every state of a session."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.support import STAGE, sign_up, start_at, wait_for_entries

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
_axe = Axe()


def assert_accessible(page, label: str) -> None:
    """Run axe with the WCAG 2.0-2.2 A/AA rules; fail with its report."""
    results = _axe.run(
        page,
        options={"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]},
    )
    assert results.violations_count == 0, f"{label}:\n{results.generate_report()}"


def open_details(page) -> None:
    """Expand the settings and microphone check, so their content is checked too."""
    for summary in page.locator("#session summary").all():
        if summary.is_visible() and not summary.evaluate("s => s.parentElement.open"):
            summary.click()


def test_public_pages(open_page):
    page = open_page()
    for path, label in [
        ("/", "home"),
        ("/help", "help"),
        ("/privacy", "privacy"),
        ("/auth/login", "sign-in"),
        ("/auth/register", "register"),
        (f"/stages/{STAGE}", "stage, signed out"),
    ]:
        page.goto(path)
        assert_accessible(page, label)


def test_stage_idle_recording_and_transcript_then_journal(open_page):
    page = open_page(mic="answer")
    sign_up(page)
    page.goto(f"/stages/{STAGE}")
    open_details(page)
    assert_accessible(page, "stage, idle")
    page.get_by_label("Finish an answer by itself after a pause of").select_option("off")
    start_at(page, stage=None)
    recording = page.locator("#recording")
    expect(recording.get_by_text("Recording", exact=True)).to_be_visible(timeout=20_000)
    expect(page.locator("#elapsed")).to_have_text("0:02", timeout=10_000)
    assert_accessible(page, "stage, recording")
    page.get_by_role("button", name="Done answering").click()
    expect(page.locator("#answer")).to_be_visible(timeout=20_000)
    page.get_by_role("button", name="Pause").click()
    assert_accessible(page, "stage, transcript shown")
    wait_for_entries(page, 1)
    page.goto("/journal")
    assert_accessible(page, "journal")
    page.goto("/")
    expect(page.get_by_text("1 of 2 questions answered")).to_be_visible()
    assert_accessible(page, "home, signed in, with progress")


def test_the_recovery_key_page(open_page):
    page = open_page()
    sign_up(page, keep_key=False)
    spoken = page.locator("#recovery-key .visually-hidden")  # what a screen reader says
    expect(spoken).to_have_text(re.compile(r"^Recovery key: (\w \w \w \w, ){7}\w \w \w \w$"))
    assert_accessible(page, "recovery key")


def test_stage_error_state(open_page):
    page = open_page(microphone=False)
    sign_up(page)
    start_at(page)
    expect(page.get_by_role("alert").filter(has_text="microphone")).to_be_visible(timeout=20_000)
    assert_accessible(page, "stage, microphone refused")


def test_the_stage_reflows_at_200_percent_zoom(open_page, tmp_path):
    """At 200% (half the CSS width) nothing scrolls sideways (WCAG 1.4.4, 1.4.10)."""
    page = open_page(mic="answer")
    sign_up(page)
    page.goto(f"/stages/{STAGE}")
    page.get_by_text("Settings and keyboard shortcuts").click()
    page.get_by_label("Finish an answer by itself after a pause of").select_option("off")
    start_at(page, stage=None)
    expect(page.locator("#recording").get_by_text("Recording", exact=True)).to_be_visible(
        timeout=20_000
    )
    for zoom in (1, 2):
        page.set_viewport_size({"width": 1280 // zoom, "height": 900 // zoom})
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1280 // zoom, f"the page scrolls sideways at {zoom * 100}%"
        page.screenshot(path=str(tmp_path / f"stage-{zoom}x.png"), full_page=True)
    page.get_by_role("button", name="Pause").click()


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# SCREENSHOTS_DIR=... also runs the desktop size and keeps the pictures there.
VIEWPORTS = [PHONE, DESKTOP] if os.environ.get("SCREENSHOTS_DIR") else [PHONE]


def assert_clear_of_the_bar(page, label: str) -> None:
    """The live line ("Playing: ...") and the part being played are not under the sticky
    control bar: their boxes end above the bar's."""
    bar = page.locator("#controls").bounding_box()
    assert bar, "the control bar is shown"
    for selector in ("#status", "#now-label", "#now-text"):
        box = page.locator(selector).bounding_box()
        assert box and box["height"] > 0, f"{label}: {selector} is shown"
        assert box["y"] >= 0, f"{label}: {selector} is above the screen"
        assert box["y"] + box["height"] <= bar["y"], (
            f"{label}: {selector} (bottom {box['y'] + box['height']:.0f}) is under the "
            f"control bar (top {bar['y']:.0f})"
        )


def test_the_playing_line_is_not_under_the_control_bar_on_a_phone(open_page):
    page = open_page(mic="answer", viewport=PHONE)
    sign_up(page)
    page.goto(f"/stages/{STAGE}")
    page.get_by_role("button", name="Start session").click()
    expect(page.locator("#status")).to_have_text("Playing: Intro")
    expect(page.locator("#controls")).to_have_css("position", "sticky")
    assert_clear_of_the_bar(page, "playing the intro")
    assert_accessible(page, "phone, playing")
    # The next part, and the narration of a question (the bar grows while recording).
    expect(page.locator("#now-label")).to_contain_text("Question 1", timeout=20_000)
    expect(page.locator("#status")).to_have_text("Playing: Question 1")
    assert_clear_of_the_bar(page, "playing a question")
    expect(page.locator("#recording-label")).to_have_text("Recording", timeout=20_000)
    assert_clear_of_the_bar(page, "recording")
    page.get_by_role("button", name="Pause", exact=True).click()
    assert_clear_of_the_bar(page, "recording paused")
    assert_accessible(page, "phone, recording paused")


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v['width']}x{v['height']}")
def test_every_state_of_a_session_on_a_phone(open_page, tmp_path, viewport):
    """390x844: axe in every state; the content note and help link before the questions; while
    recording, Pause and Done answering in reach (sticky); a compact header; tap-to-call."""
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    size = f"{viewport['width']}x{viewport['height']}"

    def shot(name: str) -> None:
        page.screenshot(path=str(folder / f"stage-{size}-{name}.png"))

    page = open_page(mic="answer", viewport=viewport)
    sign_up(page)
    page.goto(f"/stages/{STAGE}")
    header = page.locator(".site-header").bounding_box()
    if viewport is PHONE:
        assert header["height"] < 60, f"the header wraps: {header['height']} px"
    note = page.locator("#content-note")
    expect(note).to_be_visible()
    expect(note.get_by_role("link", name="Get help now")).to_be_visible()
    shot("1-before-start")
    assert_accessible(page, f"{size} stage, before start")
    page.get_by_role("button", name="Start session").click()
    expect(page.locator("#now-label")).to_contain_text("Intro")
    shot("2-playing")
    page.get_by_role("button", name="Pause", exact=True).click()
    shot("2b-paused")
    assert_accessible(page, f"{size} stage, narration paused")
    start_at(page, stage=None)
    expect(page.locator("#recording-label")).to_have_text("Recording", timeout=20_000)
    done = page.get_by_role("button", name="Done answering")
    pause = page.get_by_role("button", name="Pause", exact=True)
    for button in (done, pause):
        box = button.bounding_box()
        assert box and box["y"] + box["height"] <= viewport["height"], "out of reach"
    shot("3-recording")
    pause.click()
    expect(page.locator("#recording-label")).to_have_text("Recording paused")
    assert_accessible(page, f"{size} stage, recording paused")
    page.get_by_role("button", name="Resume").click()
    done.click()
    expect(page.locator("#answer-text")).to_have_text("a fake transcript", timeout=20_000)
    page.get_by_role("button", name="Pause", exact=True).click()
    page.locator("#answer").scroll_into_view_if_needed()
    shot("4-saved-transcript-card")
    page.locator("#answer").get_by_role("button", name="Edit").click()
    assert_accessible(page, f"{size} stage, transcript card, editing")
    page.get_by_role("button", name="Cancel").click()
    page.get_by_role("button", name="Resume").click()
    expect(page.locator("#now-label")).to_contain_text("Question 2", timeout=15_000)
    page.get_by_role("button", name="Skip question").click()
    expect(page.locator("#complete-note")).to_contain_text("You answered 1 of 2", timeout=20_000)
    expect(page.get_by_role("button", name="Answer Question 2 now")).to_be_visible()
    shot("5-ending")
    assert_accessible(page, f"{size} stage, ending")
    page.goto("/help")
    expect(page.get_by_role("link", name=re.compile("^Call 112"))).to_have_attribute(
        "href", "tel:112"
    )
