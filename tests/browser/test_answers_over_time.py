"""One question's answers over time in a real browser: local times, played hands-free,
and no axe violation on a phone or a desktop."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.support import STAGE, sign_up, wait_for_entries, wait_until
from tests.browser.test_accessibility import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUESTION = f"/journal/questions/{STAGE}/prompt-1"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SHOTS = os.environ.get("VOICEGUIDE_SCREENSHOTS")  # a folder: keep screenshots to look at


def answer(page, *, wav: Path | None = None, text: str | None = None) -> None:
    """Save an answer to the first question through the API, as the stage page does."""
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    fields = {"stage": STAGE, "prompt": "prompt-1", "client_id": str(uuid.uuid4())}
    if text is not None:
        fields["text"] = text
    else:
        assert wav is not None
        fields["audio"] = {"name": "a.wav", "mimeType": "audio/wav", "buffer": wav.read_bytes()}
    response = page.request.post("/api/entries", multipart=fields, headers={"X-CSRFToken": token})
    assert response.ok, response.text()


def shoot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_answers_over_time_play_hands_free(open_page, speech_wavs, viewport):
    page = open_page(viewport=viewport, timezone="Pacific/Kiritimati")  # UTC+14
    sign_up(page)
    page.goto("/journal")
    answer(page, wav=speech_wavs["answer"])
    answer(page, text="Now I think it was about me, not him.")
    wait_for_entries(page, 2)
    page.goto("/journal")
    shoot(page, f"journal-{viewport['width']}")
    page.get_by_role("link", name="All answers to this question").first.click()
    expect(page).to_have_url(f"{page.server.url}{QUESTION}")
    times = page.locator("time[data-local]")
    expect(times).to_have_count(2)
    utc = page.evaluate("() => new Date(document.querySelector('time').dateTime)")
    local = f"{(utc.hour + 14) % 24 % 12 or 12}:{utc.minute:02d}"
    for text in times.all_inner_texts():  # the browser's clock, relative: not the server's UTC
        assert "UTC" not in text and ("now" in text or "ago" in text), text
        assert local in text, (local, text)
    prefs = page.request.get("/api/preferences").json()
    assert prefs["timeZone"] == "Pacific/Kiritimati"  # kept for exports made on the server
    assert_accessible(page, f"question history, {viewport['width']}px")
    shoot(page, f"question-{viewport['width']}")

    page.get_by_role("button", name="Play all answers").click()
    status = page.locator("#changes-status")
    expect(status).to_contain_text("Answer 1 of 2")  # the oldest: the recording
    wait_until(page, "() => !document.querySelector('.playing audio')?.paused")
    expect(status).to_contain_text("Answer 2 of 2", timeout=20_000)  # then the typed one
    expect(page.locator(".playing .journal-transcript")).to_contain_text("about me")
    expect(status).to_have_text("That was every answer, up to the newest.", timeout=20_000)
    expect(page.get_by_role("button", name="Play all answers")).to_be_focused()
    assert_accessible(page, f"question history after playing, {viewport['width']}px")

    mark = page.get_by_text("Transcribed automatically — check it.")
    expect(mark).to_have_count(1)  # the spoken answer; the typed one is the person's own
    page.get_by_role("button", name="Looks right").click()
    expect(page).to_have_url(re.compile(re.escape(QUESTION) + r"#entry-\d+$"))
    expect(mark).to_have_count(0)
    assert page.console_errors == []
