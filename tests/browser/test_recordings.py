"""Recordings in a real browser: the journal's player knows the length and seeks (the
playable copy, AAC in MP4), the length is shown beside it, and the recogniser's unsure
words are underlined, on the journal and on the stage page's transcript card."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.support import sign_up, start_at, wait_for_entries, wait_until
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_answers_over_time import answer
from voiceguide.speech import registry
from voiceguide.speech.base import Word

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
SHOTS = os.environ.get("VOICEGUIDE_SCREENSHOTS")  # a folder: keep screenshots to look at
HEARD = "I noticed the morning light on the kitchen table."
UNSURE = "kitchen"
AUDIO = "#all-answers audio"


@pytest.fixture
def unsure_recogniser(live_server) -> Iterator[None]:
    """The fake recogniser hears HEARD, doubting one word (as Whisper gives them)."""
    stt = registry.stt(live_server("fake").app)
    stt.text = HEARD
    stt.words = tuple(Word(f" {w}", 0.2 if w == UNSURE else 0.9) for w in HEARD.rstrip(".").split())
    try:
        yield
    finally:
        stt.text, stt.words = "a fake transcript", ()


def shoot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=False)


def wait_for_copy(page, timeout: float = 30) -> dict:
    """Poll the API until the only entry's playable copy is made."""
    deadline = page.evaluate("() => Date.now()") + timeout * 1000
    while True:
        entry = wait_for_entries(page, 1)[0]
        if entry["playable"]:
            return entry
        assert page.evaluate("() => Date.now()") < deadline, entry
        page.wait_for_timeout(200)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_journal_player_knows_the_length_and_seeks(
    open_page, speech_wavs, unsure_recogniser, viewport
):
    page = open_page(viewport=viewport)
    sign_up(page)
    page.goto("/journal")
    answer(page, wav=speech_wavs["answer"])
    entry = wait_for_copy(page)
    seconds = entry["duration_s"]
    assert 2.0 < seconds < 20.0, entry
    page.goto("/journal")
    length = page.locator("#all-answers .recording-length")
    expect(length).to_have_count(1)
    whole = round(seconds)
    expect(length).to_have_text(re.compile(rf"Length {whole // 60}:{whole % 60:02d}"))

    # The element learns the duration from the copy's header, and seeks by Range.
    player = page.locator(AUDIO)
    player.evaluate("a => { a.preload = 'metadata'; a.load(); }")
    wait_until(page, f"() => Number.isFinite(document.querySelector('{AUDIO}').duration)")
    duration = player.evaluate("a => a.duration")
    assert abs(duration - seconds) < 0.15, (duration, seconds)
    player.evaluate("a => a.play()")
    wait_until(page, f"() => document.querySelector('{AUDIO}').currentTime > 0.3")
    target = duration - 1.0
    player.evaluate(f"a => {{ a.pause(); a.currentTime = {target}; }}")
    wait_until(
        page,
        f"() => {{ const a = document.querySelector('{AUDIO}');"
        f" return !a.seeking && Math.abs(a.currentTime - {target}) < 0.1; }}",
    )
    assert player.evaluate("a => a.seekable.length && a.seekable.end(0)") == pytest.approx(
        duration, abs=0.05
    )
    assert player.evaluate("a => a.error") is None

    # The recogniser's doubt: underlined, explained, and heard by a screen reader.
    unsure = page.locator("#all-answers .journal-transcript u.unsure")
    expect(unsure).to_have_count(1)
    expect(unsure).to_have_text(f"{UNSURE} (unsure)")
    decoration = unsure.evaluate("u => getComputedStyle(u).textDecorationLine")
    assert "underline" in decoration
    expect(page.locator("#all-answers .unsure-legend")).to_contain_text(
        "words: the recogniser was unsure of them"
    )
    assert_accessible(page, f"journal with a played recording, {viewport['width']}px")
    page.locator(f"#entry-{entry['id']}").scroll_into_view_if_needed()
    shoot(page, f"journal-recording-{viewport['width']}")
    assert page.console_errors == []


def test_the_transcript_card_underlines_unsure_words_until_corrected(open_page, unsure_recogniser):
    page = open_page(viewport=DESKTOP)
    sign_up(page)
    start_at(page)
    expect(page.locator("#recording-label")).to_have_text("Recording", timeout=20_000)
    page.get_by_role("button", name="Done answering").click()
    card = page.locator("#answer-text")
    expect(card).to_contain_text("morning light", timeout=20_000)
    page.get_by_role("button", name="Pause", exact=True).click()
    expect(card.locator("u.unsure")).to_have_text(f"{UNSURE} (unsure)")
    legend = page.locator("#answer-unsure")
    expect(legend).to_be_visible()
    page.locator("#answer").scroll_into_view_if_needed()
    assert_accessible(page, "stage, transcript card with an unsure word")
    shoot(page, "stage-card-unsure-1280")
    page.locator("#answer").get_by_role("button", name="Edit").click()
    field = page.locator("#answer-field")
    expect(field).to_have_value(HEARD)  # the words only, never the screen-reader note
    field.fill("I noticed the morning light on the kitchen table, again.")
    page.get_by_role("button", name="Save correction").click()
    expect(card).to_have_text("I noticed the morning light on the kitchen table, again.")
    expect(card.locator("u")).to_have_count(0)
    expect(legend).to_be_hidden()
    assert page.console_errors == []
