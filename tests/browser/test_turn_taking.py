"""Turn-taking in a real browser: nothing said is lost, Skip skips what is playing, a beat
after each answer with a "saved" cue, the transcript card, hands-free by voice, the truth at
the end."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.support import (
    FAKE,
    STAGE,
    entries,
    expect_ending,
    start_at,
    status,
    wait_for_entries,
    wait_until,
)
from tests.browser.test_session import TRACK_PLAYS, part_audio, plays_of, recorder
from voiceguide.speech import registry

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Every text the live region holds, in order, with the time it was put there.
TRACK_SAID = """
window.__said = [];
document.addEventListener('DOMContentLoaded', () => {
  const status = document.getElementById('status');
  if (!status) return;
  new MutationObserver(() => window.__said.push([status.textContent, performance.now()]))
    .observe(status, {childList: true, characterData: true, subtree: true});
});
"""
# When each narration started to play, by URL path; when the transcript card was filled.
TRACK_PLAY_TIMES = """
window.__playTimes = [];
document.addEventListener('DOMContentLoaded', () => {
  const text = document.getElementById('answer-text');
  if (text) new MutationObserver(() => { window.__shownAt ??= performance.now(); })
    .observe(text, {childList: true, characterData: true, subtree: true});
});
document.addEventListener('playing', (e) => {
  if (e.target.id === 'narration')
    window.__playTimes.push([new URL(e.target.currentSrc).pathname, performance.now()]);
}, true);
"""


def said(page) -> list[str]:
    return [text for text, _ in page.evaluate("window.__said")]


def long_answers(page) -> None:
    """No auto-stop: the test decides when an answer ends (Settings, saved in the browser)."""
    page.goto(f"/stages/{STAGE}")
    page.get_by_text("Settings and keyboard shortcuts").click()
    page.get_by_label("Finish an answer by itself after a pause of").select_option("off")


def test_pause_holds_the_recording_and_resume_continues_the_same_answer(open_page):
    from tests.browser.support import sign_up

    page = open_page(mic="answer-loop")
    sign_up(page)
    posts = recorder(page)
    long_answers(page)
    start_at(page, stage=None)
    elapsed = page.locator("#elapsed")
    expect(elapsed).to_have_text("0:03", timeout=20_000)
    page.get_by_role("button", name="Pause", exact=True).click()
    expect(page.locator("#recording-label")).to_have_text("Recording paused")
    expect(status(page)).to_contain_text("What you have said so far is kept")
    held = elapsed.inner_text()
    time.sleep(2.5)
    assert elapsed.inner_text() == held, "the clock stands still while paused"
    page.get_by_role("button", name="Resume").click()
    expect(page.locator("#recording-label")).to_have_text("Recording")
    expect(elapsed).not_to_have_text(held)
    page.get_by_role("button", name="Done answering").click()
    expect(page.locator("#answer-text")).to_have_text(FAKE, timeout=20_000)
    page.get_by_role("button", name="Pause", exact=True).click()
    found = wait_for_entries(page, 1)
    sent = len(posts["entries"]) + len(posts["finishes"])  # whole, or streamed and finished
    assert sent == 1, "one answer, not two recordings"
    assert found[0]["prompt"] == "prompt-1"
    assert found[0]["duration_s"] < 7, "the paused seconds are not in the recording"


def test_skip_and_repeat_during_an_answer_keep_what_was_said(open_page):
    from tests.browser.support import sign_up

    page = open_page(mic="answer-loop")
    page.add_init_script(TRACK_PLAYS)
    sign_up(page)
    long_answers(page)
    start_at(page, stage=None)
    elapsed = page.locator("#elapsed")
    expect(elapsed).to_have_text("0:05", timeout=20_000)  # the answer has been said
    page.get_by_role("button", name="Repeat").click()
    expect(status(page)).to_contain_text("kept as your answer to Question 1")
    deadline = time.monotonic() + 15
    while plays_of(page, "prompt-1") < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert plays_of(page, "prompt-1") == 2, "Repeat played the question again"
    expect(elapsed).to_have_text("0:05", timeout=20_000)
    page.get_by_role("button", name="Skip", exact=True).click()
    expect(page.locator("#now-label")).to_contain_text("Question 2")
    page.get_by_role("button", name="Pause", exact=True).click()
    found = wait_for_entries(page, 2)
    assert [e["prompt"] for e in found] == ["prompt-1", "prompt-1"]


def test_skip_skips_what_is_playing_and_a_part_being_prepared_says_so(open_page):
    """Skip during a question's narration: its answer turn; "Skip question" and S moves on
    without an answer; the ending is true; a narration not yet made is announced."""
    from tests.browser.support import sign_up

    page = open_page(mic="silence")
    page.add_init_script(TRACK_PLAYS)
    page.add_init_script(TRACK_SAID)
    sign_up(page)
    posts = recorder(page)
    page.goto(f"/stages/{STAGE}")
    intro = part_audio(page, "intro")

    def slowly(route):
        time.sleep(1.5)  # as if the server were still making it
        route.continue_()

    page.route(f"**{intro}", slowly)
    page.get_by_role("button", name="Start session").click()
    expect(page.locator("#now-label")).to_contain_text("Question 1", timeout=20_000)
    assert any("Intro is still being prepared" in text for text in said(page))
    page.get_by_role("button", name="Skip", exact=True).click()
    expect(page.locator("#recording")).to_be_visible()
    expect(page.locator("#now-label")).to_contain_text("Question 1")
    assert plays_of(page, "prompt-1") == 1
    page.get_by_role("button", name="Skip question").click()
    expect(page.locator("#now-label")).to_contain_text("Question 2")
    page.keyboard.press("s")  # during the narration: to the answer turn
    page.keyboard.press("s")  # in the answer turn: skip the question
    expect_ending(page, "None of the 2 questions has an answer yet")
    assert posts["entries"] == [] and entries(page) == []
    page.get_by_role("button", name="Answer Question 1 now").click()
    expect(page.locator("#now-label")).to_contain_text("Question 1")
    page.get_by_role("button", name="Pause", exact=True).click()


def test_the_beat_the_saved_cue_and_the_transcript_card(open_page):
    from tests.browser.support import sign_up

    page = open_page(mic="answer")
    page.add_init_script(TRACK_SAID)
    page.add_init_script(TRACK_PLAY_TIMES)
    sign_up(page)
    start_at(page)
    text = page.locator("#answer-text")
    expect(text).to_have_text(FAKE, timeout=20_000)
    expect(page.locator("#now-label")).to_contain_text("Question 2", timeout=15_000)
    wait_until(page, "() => window.__playTimes.length >= 2")
    next_at = page.evaluate("window.__playTimes.at(-1)[1]")
    cue_at = page.evaluate("document.documentElement.dataset.savedCueAt")
    assert cue_at, "the saved cue sounded"
    # The beat runs from the cue (the server's 2xx), not from the transcript.
    assert next_at - float(cue_at) >= 2900, "a few seconds of quiet before the next question"
    page.get_by_role("button", name="Pause", exact=True).click()
    # Announcements queued, never overwritten: each one reached the live region, in order.
    words = said(page)
    saved = words.index("Saved. Making the transcript…")
    assert "Transcript ready. Saved to your journal." in words
    playing = words.index("Playing: Question 2")
    # The next question was announced after "Saved", never over it, and only once it had
    # been said; a quick upload is not announced at all (only a slow one is).
    assert saved < playing, words
    assert "Uploading your answer…" not in words, words
    times = dict(page.evaluate("window.__said"))
    assert times["Playing: Question 2"] - times["Saved. Making the transcript…"] >= 1300

    card = page.locator("#answer")
    card.get_by_role("button", name="Edit").click()
    field = page.get_by_label("Your answer, as you want it in your journal")
    expect(field).to_be_focused()
    field.fill("I noticed the morning light.")
    card.get_by_role("button", name="Save correction").click()
    expect(text).to_have_text("I noticed the morning light.")
    assert wait_for_entries(page, 1)[0]["transcript"] == "I noticed the morning light."

    entry = card.get_attribute("data-entry")
    speech = page.request.get(f"/api/entries/{entry}/speech")
    assert speech.ok and speech.headers["cache-control"] == "no-store"
    card.get_by_role("button", name="Read it back").click()
    # Played through Web Audio as the stream arrives (js/readback.js marks its first sound).
    wait_until(page, "() => document.documentElement.dataset.readbackSoundAt")
    expect(page.locator("#alert")).to_be_empty()

    card.get_by_role("button", name=re.compile("^Record again")).click()
    expect(page.locator("#now-label")).to_contain_text("Question 1")
    expect(page.locator("#recording")).to_be_visible(timeout=10_000)
    page.get_by_role("button", name="Pause", exact=True).click()

    # One meaning of progress, said the same way on every page.
    for path in ("/", "/journal", f"/stages/{STAGE}"):
        page.goto(path)
        expect(page.get_by_text("1 of 2 questions answered").first).to_be_visible()


def test_paused_by_silence_a_spoken_reminder_then_resume_by_voice(open_page, monkeypatch):
    page = open_page(mic="late-resume")
    app = page.server.app
    monkeypatch.setitem(app.config, "SESSION_REMINDER_SECONDS", 1.5)
    monkeypatch.setitem(app.config, "SESSION_GIVE_UP_SECONDS", 2.5)
    monkeypatch.setattr(registry.stt(app), "text", "Resume.")  # what the server "hears"
    from tests.browser.support import sign_up

    sign_up(page)
    posts = recorder(page)
    cue_requests = []
    page.on("request", lambda r: cue_requests.append(r.url) if "/narration/" in r.url else None)
    page.goto(f"/stages/{STAGE}")
    reminder = page.evaluate("JSON.parse(document.getElementById('session').dataset.cues)")[
        "reminder"
    ]
    start_at(page, stage=None)
    expect(status(page)).to_contain_text("Still recording", timeout=20_000)
    expect(status(page)).to_contain_text("Paused: nothing was heard", timeout=10_000)
    assert any(url.endswith(reminder) for url in cue_requests), "the reminder is spoken"
    expect(page.locator("#listening")).to_be_visible()
    expect(status(page)).to_contain_text("Voice command: resume", timeout=20_000)
    expect(page.locator("#recording")).to_be_visible()
    page.get_by_role("button", name="Pause", exact=True).click()
    assert len(posts["commands"]) >= 1
    assert posts["entries"] == []


def pause_of(page, seconds: str) -> None:
    """The person's "finish an answer by itself after a pause of" (Settings)."""
    page.goto(f"/stages/{STAGE}")
    page.get_by_text("Settings and keyboard shortcuts").click()
    page.get_by_label("Finish an answer by itself after a pause of").select_option(seconds)


# When the recording panel was hidden (the turn over), for the early save below.
TRACK_TURN_END = """
document.addEventListener('DOMContentLoaded', () => {
  const rec = document.getElementById('recording');
  if (rec) new MutationObserver(() => {
    if (rec.hidden && window.__recShown) window.__recHidden ??= performance.now();
    if (!rec.hidden) window.__recShown = true;
  }).observe(rec, {attributes: true});
});
"""


def test_an_answer_clearly_heard_is_saved_early_while_the_turn_listens_on(open_page):
    from tests.browser.support import sign_up

    page = open_page(mic="answer")
    page.add_init_script(TRACK_TURN_END)
    sign_up(page)
    posts = recorder(page)
    pause_of(page, "3")
    start_at(page, stage=None)
    expect(page.locator("#now-label")).to_contain_text("Question 2", timeout=30_000)
    cue = float(page.evaluate("document.documentElement.dataset.savedCueAt"))
    ended = page.evaluate("window.__recHidden")
    assert ended and cue < ended - 800, "saved (and the cue sounded) before the 3 s were up"
    page.get_by_role("button", name="Pause", exact=True).click()
    # Streamed while spoken: the early part is its stream's answer (only the last words are
    # left to transcribe), not a second, whole-file copy of it.
    assert (len(posts["finishes"]), len(posts["entries"])) == (1, 0)
    (entry,) = wait_for_entries(page, 1)
    assert entry["status"] == "done" and entry["transcript"]


def test_speaking_again_after_an_early_save_keeps_it_all_in_one_answer(open_page):
    from tests.browser.support import sign_up

    # The answer, two seconds of thinking, the answer again, and so on.
    page = open_page(mic="answer-loop")
    page.add_init_script(TRACK_SAID)
    sign_up(page)
    posts = recorder(page)
    pause_of(page, "3")
    start_at(page, stage=None)
    expect(status(page)).to_contain_text("Still recording: go on", timeout=30_000)
    expect(page.locator("#recording")).to_be_visible()
    assert len(posts["entries"]) + len(posts["finishes"]) == 1, "the answer so far was saved"
    expect(page.locator("#elapsed")).to_have_text("0:09", timeout=20_000)
    page.get_by_role("button", name="Done answering").click()
    expect(page.locator("#now-label")).to_contain_text("Question 2", timeout=30_000)
    page.get_by_role("button", name="Pause", exact=True).click()
    # Then the whole answer: uploaded, or (streamed while spoken) its stream finished.
    assert len(posts["entries"]) + len(posts["finishes"]) == 2, "then the whole answer"
    # The early part is deleted once the whole is saved: one answer, all of it.
    deadline = time.monotonic() + 15
    while len(found := wait_for_entries(page, 1)) > 1 and time.monotonic() < deadline:
        time.sleep(0.3)
    assert len(found) == 1, found
    assert found[0]["duration_s"] >= 8, "everything said is in it"
