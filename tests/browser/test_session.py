"""The guided session in a real browser: hands-free, voice commands, keyboard, failures."""

from __future__ import annotations

import re
import time

import jiwer
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHRASES
from tests.browser.support import (
    FAKE,
    PROMPTS,
    STAGE,
    entries,
    expect_complete,
    expect_ending,
    sign_in,
    sign_out,
    sign_up,
    start_at,
    start_session,
    status,
    wait_for_entries,
    wait_until,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Record every narration the page plays (the <audio> "play" event does not bubble: capture).
TRACK_PLAYS = """
window.__plays = [];
document.addEventListener('play', (e) => {
  if (e.target.id === 'narration') window.__plays.push(new URL(e.target.currentSrc).pathname);
}, true);
"""


def part_audio(page, part: str) -> str:
    """The narration URL path of a part, as the page lists it."""
    return page.locator(f"li[data-part='{part}']").get_attribute("data-audio")


def plays_of(page, part: str) -> int:
    return page.evaluate("window.__plays").count(part_audio(page, part))


def recorder(page) -> dict[str, list]:
    """Collect the page's POSTs to the entry and command APIs, and streams' finishes."""
    posts: dict[str, list] = {"entries": [], "commands": [], "finishes": []}

    def on_request(request):
        if request.method != "POST":
            return
        path = re.sub(r"^https?://[^/]+", "", request.url)
        if path == "/api/entries":
            posts["entries"].append(request)
        elif path == "/api/commands":
            posts["commands"].append(request)
        elif re.fullmatch(r"/api/streams/\d+/finish", path):
            posts["finishes"].append(request)

    page.on("request", on_request)
    return posts


def client_id_of(request) -> str:
    body = request.post_data_buffer or b""
    match = re.search(rb'name="client_id"\r\n\r\n([0-9a-f-]{36})', body)
    assert match, body[:400]
    return match.group(1).decode()


def wer(reference: str, hypothesis: str) -> float:
    clean = jiwer.Compose(
        [
            jiwer.ToLowerCase(),
            jiwer.RemovePunctuation(),
            jiwer.RemoveMultipleSpaces(),
            jiwer.Strip(),
            jiwer.ReduceToListOfListOfWords(),
        ]
    )
    return jiwer.wer(reference, hypothesis, reference_transform=clean, hypothesis_transform=clean)


def test_a_whole_stage_completes_hands_free_after_one_click(open_page):
    """One click on Start: every prompt's spoken answer lands in the journal, transcribed."""
    page = open_page(mic="answer", stt="whisper")
    sign_up(page)
    posts = recorder(page)
    start_session(page)
    expect(page.locator("#recording").get_by_text("Recording", exact=True)).to_be_visible()
    expect(page.locator("#answer")).to_be_visible(timeout=30_000)
    expect(page.locator("#answer-title")).to_have_text("Saved to your journal")
    first = page.locator("#answer-text").inner_text()
    assert wer(PHRASES["answer"], first) <= 0.2, first
    # The first answer's transcript stays until the second one replaces it; the next question
    # comes after the beat (the announcement said, then a few seconds of quiet).
    expect(page.locator("#now-label")).to_contain_text("Question 2", timeout=15_000)
    expect(page.locator("#answer-text")).to_have_text(first)
    expect_complete(page)
    found = wait_for_entries(page, 2)
    assert sorted(e["prompt"] for e in found) == PROMPTS
    for entry in found:
        assert entry["status"] == "done", entry
        assert entry["kind"] == "spoken"
        assert wer(PHRASES["answer"], entry["transcript"]) <= 0.2, entry["transcript"]
    # Each answer saved once: streamed and finished, or (a short one, which may be a voice
    # command) uploaded whole.
    assert len(posts["finishes"]) + len(posts["entries"]) == 2
    assert page.console_errors == []


def test_voice_command_repeat_plays_the_question_again_and_saves_nothing(open_page):
    page = open_page(mic="repeat", stt="whisper")
    page.add_init_script(TRACK_PLAYS)
    sign_up(page)
    posts = recorder(page)
    start_session(page)
    expect(status(page)).to_contain_text("Voice command: repeat", timeout=30_000)
    expect(page.locator("#now-label")).to_contain_text("Question 1")
    deadline = time.monotonic() + 15
    while plays_of(page, "prompt-1") < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert plays_of(page, "prompt-1") >= 2
    assert plays_of(page, "prompt-2") == 0
    page.get_by_role("button", name="Pause").click()
    assert len(posts["commands"]) >= 1
    assert posts["entries"] == []
    assert entries(page) == []


def test_voice_command_skip_moves_on_and_saves_nothing(open_page):
    """ "Next question" (the skip command) at each prompt: the stage ends, no entry saved, and
    the ending says so: no "Stage complete", no praise; the closing's unanswered variant."""
    page = open_page(mic="skip", stt="whisper")
    page.add_init_script(TRACK_PLAYS)
    sign_up(page)
    posts = recorder(page)
    start_session(page)
    expect_ending(page, "None of the 2 questions has an answer yet")
    expect(page.locator("#complete-note")).not_to_contain_text("complete")
    expect(page.get_by_role("button", name="Answer Question 1 now")).to_be_visible()
    variant = page.locator("li[data-part='closing']").get_attribute("data-audio-unanswered")
    assert variant in page.evaluate("window.__plays")
    assert plays_of(page, "closing") == 0
    assert len(posts["commands"]) == 2  # one "skip" per question
    assert posts["entries"] == []
    assert entries(page) == []


def _tab_to(page, name: str, limit: int = 60) -> None:
    """Press Tab until the focused element's accessible text starts with `name`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        text = page.evaluate("document.activeElement.innerText || ''").strip()
        if text.startswith(name):
            return
    raise AssertionError(f"Tab never reached {name!r}")


def test_the_keyboard_alone_can_do_a_whole_stage(open_page):
    """Hands-free off, then keys only: Start, Continue, Record answer, shortcuts, typing."""
    page = open_page(mic="answer")
    sign_up(page)
    page.goto(f"/stages/{STAGE}")
    page.keyboard.press("h")  # hands-free off: the session waits for Continue
    expect(page.locator("#hands-free")).not_to_be_checked()
    _tab_to(page, "Start session")
    page.keyboard.press("Enter")
    expect(page.locator("#now-label")).to_contain_text("Intro")
    page.keyboard.press("s")  # skip the intro
    expect(page.locator("#now-label")).to_contain_text("Instruction")
    cont = page.locator("#continue-button")
    expect(cont).to_have_text("Continue")
    expect(cont).to_be_focused()
    page.keyboard.press("Enter")
    expect(cont).to_have_text("Record answer")  # after Question 1 is read
    expect(cont).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#recording").get_by_text("Recording", exact=True)).to_be_visible()
    time.sleep(1.5)
    page.keyboard.press("d")  # done answering
    expect(page.locator("#answer-text")).to_have_text("a fake transcript")
    expect(cont).to_have_text("Continue")
    page.keyboard.press("Enter")
    expect(cont).to_have_text("Record answer")  # Question 2
    page.keyboard.press("t")  # type instead
    field = page.locator("#typed-prompt-2")
    expect(field).to_be_focused()
    page.keyboard.type("I would like to try walking in the evening.")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Save typed answer")
    page.keyboard.press("Enter")
    expect(page.locator("#answer-text")).to_have_text("I would like to try walking in the evening.")
    expect(cont).to_have_text("Continue")
    expect(cont).to_be_visible()
    page.keyboard.press("n")  # next: the Continue button is not focused, the shortcut works
    expect_complete(page)
    found = wait_for_entries(page, 2)
    assert {e["prompt"]: e["kind"] for e in found} == {"prompt-1": "spoken", "prompt-2": "typed"}


def test_microphone_refused_shows_an_alert_and_typing_still_works(open_page):
    page = open_page(mic="answer", microphone=False)
    sign_up(page)
    start_at(page)
    alert = page.get_by_role("alert").filter(has_text="microphone")
    expect(alert).to_contain_text("blocked", timeout=20_000)
    expect(alert).to_contain_text("type your answer")
    field = page.locator("#typed-prompt-1")
    expect(field).to_be_focused()
    field.fill("I noticed that I was calm.")
    page.locator("li[data-part='prompt-1']").get_by_role("button", name="Save typed answer").click()
    expect(page.locator("#answer-text")).to_have_text("I noticed that I was calm.")
    # After the beat the session goes on to the next question, where the microphone is
    # refused again.
    expect(page.locator("#now-label")).to_contain_text("Question 2", timeout=15_000)
    expect(page.locator("#typed-prompt-2")).to_be_focused(timeout=20_000)
    found = wait_for_entries(page, 1)
    assert found[0]["kind"] == "typed" and found[0]["transcript"] == "I noticed that I was calm."


def test_an_upload_that_fails_once_is_sent_again_and_saved_once(open_page):
    page = open_page(mic="answer")
    sign_up(page)
    posts = recorder(page)
    failures = []

    def fail_first(route):
        if route.request.method == "POST" and not failures:
            failures.append(route.request)
            route.fulfill(
                status=503,
                content_type="application/json",
                body='{"error": "The service is unavailable right now."}',
            )
        else:
            route.continue_()

    page.route("**/api/entries", fail_first)
    page.route("**/api/streams", lambda route: route.abort())  # the whole-file path
    start_at(page)
    expect(status(page)).to_contain_text("trying again", timeout=20_000)
    expect(page.locator("#answer-text")).to_have_text("a fake transcript", timeout=20_000)
    page.get_by_role("button", name="Pause").click()
    first_prompt = [r for r in posts["entries"] if b"prompt-1" in (r.post_data_buffer or b"")]
    assert len(first_prompt) == 2
    assert client_id_of(first_prompt[0]) == client_id_of(first_prompt[1])
    found = wait_for_entries(page, 1)
    assert [e["prompt"] for e in found] == ["prompt-1"]


def test_an_answer_recorded_offline_is_kept_and_sent_after_a_reload(open_page):
    """The network drops: the recording waits in IndexedDB and is sent on the next visit."""
    page = open_page(mic="answer")
    sign_up(page)
    page.route("**/api/entries", lambda route: route.abort("internetdisconnected"))
    page.route("**/api/streams**", lambda route: route.abort("internetdisconnected"))
    start_at(page)
    expect(status(page)).to_contain_text("kept on this device", timeout=20_000)
    assert entries(page) == []
    # Closing the page ends its retries: only IndexedDB still holds the answer.
    context = page.context
    page.close()
    later = context.new_page()
    later.goto(f"/stages/{STAGE}")
    found = wait_for_entries(later, 1)
    assert found[0]["prompt"] == "prompt-1" and found[0]["transcript"] == "a fake transcript"
    expect(later.locator("#answer-text")).to_have_text("a fake transcript")
    later.reload()
    time.sleep(1)
    assert len(entries(later)) == 1


def test_player_controls_speed_is_remembered_and_the_session_resumes(open_page):
    page = open_page(mic="silence")
    page.add_init_script(TRACK_PLAYS)
    sign_up(page)
    start_session(page)
    narration = page.locator("#narration")
    page.get_by_label("Speed").select_option("1.25")
    assert narration.evaluate("a => [a.playbackRate, a.preservesPitch]") == [1.25, True]
    # Remembered on the account too, so it follows the person to another browser.
    deadline = time.monotonic() + 5
    while page.request.get("/api/preferences").json()["session"].get("rate") != 1.25:
        assert time.monotonic() < deadline, "the speed never reached the account"
        time.sleep(0.2)
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Resume")).to_be_visible()
    assert narration.evaluate("a => a.paused")
    page.get_by_role("button", name="Resume").click()
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    page.get_by_role("button", name="Skip").click()
    expect(page.locator("li[aria-current='step']")).to_have_attribute("data-part", "instruction")
    page.get_by_role("button", name="Skip").click()
    expect(page.locator("li[aria-current='step']")).to_have_attribute("data-part", "prompt-1")
    page.get_by_role("button", name="Pause").click()
    page.reload()
    expect(page.locator("#resume-note")).to_contain_text("Question 1")
    assert page.get_by_label("Speed").input_value() == "1.25"
    page.get_by_role("button", name="Start session").click()
    expect(page.locator("#now-label")).to_contain_text("Question 1")
    assert narration.evaluate("a => a.playbackRate") == 1.25
    assert plays_of(page, "intro") == 0


def test_signed_out_visitors_can_listen_and_are_told_to_sign_in(open_page):
    page = open_page(mic="answer")
    page.goto(f"/stages/{STAGE}")
    notice = page.locator("#signin-notice")
    expect(notice).to_contain_text("sign in")
    expect(notice.get_by_role("link", name="sign in")).to_have_attribute(
        "href", re.compile(r"/auth/login")
    )
    buttons = page.get_by_role("button").all_inner_texts()
    assert [b for b in buttons if b.strip().startswith("Start")] == ["Start session"]
    page.get_by_role("button", name="Start session").click()
    expect(status(page)).to_contain_text("sign in to answer", timeout=20_000)
    expect(page.locator("#recording")).to_be_hidden()
    expect(page.get_by_role("alert")).to_be_empty()
    page.get_by_role("button", name="Skip").click()  # the listening goes on to Question 2
    expect(page.locator("#now-label")).to_contain_text("Question 2")


def test_silence_gets_a_reminder_and_then_the_session_pauses(open_page, monkeypatch):
    page = open_page(mic="silence")
    monkeypatch.setitem(page.server.app.config, "SESSION_REMINDER_SECONDS", 2)
    monkeypatch.setitem(page.server.app.config, "SESSION_GIVE_UP_SECONDS", 4)
    sign_up(page)
    posts = recorder(page)
    start_at(page)
    expect(status(page)).to_contain_text("Still recording", timeout=20_000)
    expect(status(page)).to_contain_text("Paused: nothing was heard", timeout=10_000)
    expect(page.locator("#recording")).to_be_hidden()
    expect(page.get_by_role("button", name="Resume")).to_be_visible()
    assert posts["entries"] == [] and posts["commands"] == [] and posts["finishes"] == []


def test_the_hard_limit_stops_a_long_answer_and_keeps_it(open_page, monkeypatch):
    page = open_page(mic="answer")
    monkeypatch.setitem(page.server.app.config, "MAX_RECORDING_SECONDS", 4)
    sign_up(page)
    page.goto(f"/stages/{STAGE}")
    page.get_by_text("Settings and keyboard shortcuts").click()
    page.get_by_label("Finish an answer by itself after a pause of").select_option("off")
    start_at(page, stage=None)
    expect(page.locator("#recording")).to_be_visible(timeout=20_000)
    expect(page.locator("#recording")).to_be_hidden(timeout=10_000)  # nobody pressed Done
    found = wait_for_entries(page, 1)
    assert found[0]["status"] == "done" and 2.5 <= found[0]["duration_s"] <= 4


def test_record_again_discards_the_first_take(open_page):
    page = open_page(mic="answer")
    sign_up(page)
    page.goto(f"/stages/{STAGE}")
    page.get_by_text("Settings and keyboard shortcuts").click()
    page.get_by_label("Finish an answer by itself after a pause of").select_option("off")
    posts = recorder(page)
    start_at(page, stage=None)
    elapsed = page.locator("#elapsed")
    expect(elapsed).to_have_text("0:02", timeout=20_000)
    page.get_by_role("button", name="Record again").click()
    expect(elapsed).to_have_text("0:00")
    expect(elapsed).to_have_text("0:01")
    page.get_by_role("button", name="Done answering").click()
    expect(page.locator("#answer-text")).to_have_text("a fake transcript")
    page.get_by_role("button", name="Pause").click()
    assert len(posts["entries"]) + len(posts["finishes"]) == 1
    assert len(wait_for_entries(page, 1)) == 1


def test_the_microphone_check_plays_the_test_back(open_page):
    page = open_page(mic="answer", prefs=False)
    sign_up(page)
    page.goto(f"/stages/{STAGE}")
    check = page.locator("#mic-check")
    expect(check).to_have_attribute("open", "")  # open on the first visit
    expect(check).to_contain_text("Allow")
    page.get_by_role("button", name="Test microphone").click()
    expect(page.locator("#mic-result")).to_contain_text("your microphone works", timeout=10_000)
    playback = page.locator("#mic-playback")
    expect(playback).to_be_visible()
    assert playback.evaluate("a => a.src.startsWith('blob:')")
    page.reload()
    expect(page.locator("#mic-check")).not_to_have_attribute("open", "")


# What a deployment could send; nothing inline is needed ('unsafe-inline' is absent).
STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
COLLECT_CSP_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def test_the_session_works_under_a_strict_content_security_policy(open_page):
    page = open_page(mic="answer")
    page.add_init_script(COLLECT_CSP_VIOLATIONS)
    sign_up(page)

    def with_csp(route):
        response = route.fetch()
        headers = {**response.headers, "content-security-policy": STRICT_CSP}
        route.fulfill(response=response, headers=headers)

    page.route(f"**/stages/{STAGE}", with_csp)
    page.goto(f"/stages/{STAGE}")
    page.get_by_text("Microphone check").click()
    page.get_by_role("button", name="Test microphone").click()
    expect(page.locator("#mic-result")).to_contain_text("your microphone works", timeout=10_000)
    start_at(page, stage=None)
    # Streamed (the fake engine says its sentence for each segment too) or sent whole.
    expect(page.locator("#answer-text")).to_have_text(FAKE, timeout=20_000)
    page.get_by_role("button", name="Pause").click()
    assert page.evaluate("window.__csp") == []
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
    # The policy really is in force: an inline script is refused.
    page.evaluate(
        "document.body.append(Object.assign(document.createElement('script'),"
        " {textContent: 'window.__inline = 1'}))"
    )
    assert page.evaluate("window.__inline") is None
    wait_until(page, "() => window.__csp.length === 1")  # the report event comes a bit later


def test_narration_that_cannot_be_played_pauses_the_session_with_an_alert(open_page):
    page = open_page(mic="silence")
    sign_up(page)
    page.goto(f"/stages/{STAGE}")
    intro = part_audio(page, "intro")
    page.route(f"**{intro}", lambda route: route.fulfill(status=503, body="unavailable"))
    page.get_by_role("button", name="Start session").click()
    expect(page.get_by_role("alert")).to_contain_text("could not be played", timeout=10_000)
    expect(page.locator("#now-text")).to_contain_text("Welcome")  # its words are shown
    expect(page.get_by_role("button", name="Resume")).to_be_visible()
    page.unroute(f"**{intro}")
    page.get_by_role("button", name="Resume").click()
    expect(page.get_by_role("alert")).to_be_empty()
    expect(page.locator("#now-label")).to_contain_text("Instruction", timeout=10_000)
    page.get_by_role("button", name="Pause").click()


def test_button_names_the_contract_relies_on(open_page):
    """One button starts with "Start"; the microphone check is "Test microphone"; one "Skip"."""
    page = open_page(mic="silence")
    sign_up(page)
    page.goto(f"/stages/{STAGE}")
    starts = page.get_by_role("button", name=re.compile("start", re.IGNORECASE))
    expect(starts).to_have_count(1)
    expect(starts).to_have_text("Start session")
    page.get_by_text("Microphone check").click()
    expect(page.get_by_role("button", name="Test microphone")).to_be_visible()
    starts.click()
    skips = page.get_by_role("button", name=re.compile("skip", re.IGNORECASE))
    expect(skips).to_have_count(1)
    expect(skips).to_have_text("Skip")
    expect(skips).to_be_visible()
    page.get_by_role("button", name="Pause").click()


def test_an_expired_security_token_is_renewed_and_the_answer_saved(open_page):
    page = open_page(mic="answer")
    sign_up(page)
    page.goto(f"/stages/{STAGE}")
    # As if the page had been open for hours: its CSRF token no longer works.
    page.evaluate("document.querySelector('meta[name=csrf-token]').content = 'expired'")
    posts = recorder(page)
    start_at(page, stage=None)
    expect(page.locator("#answer-text")).to_have_text("a fake transcript", timeout=20_000)
    page.get_by_role("button", name="Pause").click()
    assert len(wait_for_entries(page, 1)) == 1
    tokens = [r.headers["x-csrftoken"] for r in posts["entries"]]
    assert tokens[0] == "expired" and len(tokens) == 2 and tokens[1] != "expired"
    expect(page.get_by_role("alert")).to_be_empty()


def test_a_kept_answer_is_only_ever_sent_for_the_person_who_made_it(open_page):
    """A shared browser: Alice's unsent answer must not land in Bob's journal."""
    page = open_page(mic="answer")
    alice = sign_up(page)
    page.route("**/api/entries", lambda route: route.abort("internetdisconnected"))
    page.route("**/api/streams**", lambda route: route.abort("internetdisconnected"))
    start_at(page)
    expect(status(page)).to_contain_text("kept on this device", timeout=20_000)
    context = page.context
    page.close()
    page = context.new_page()
    page.goto("/")
    sign_out(page)  # now reachable: Alice's answer goes to her journal before she leaves
    sign_up(page)  # Bob, in the same browser
    page.goto(f"/stages/{STAGE}")
    time.sleep(2)
    assert entries(page) == []
    sign_out(page)
    sign_in(page, alice)
    page.goto(f"/stages/{STAGE}")
    found = wait_for_entries(page, 1)
    assert found[0]["prompt"] == "prompt-1"
