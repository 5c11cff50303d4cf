"""Streamed answers in a real browser: chunks while speaking, the finish, the draft caption."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import FAKE, entries, sign_up, start_at, wait_for_entries

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def stream_requests(page) -> dict[str, list]:
    """The page's requests to the streams API, by kind."""
    seen: dict[str, list] = {"open": [], "chunks": [], "finish": [], "entries": []}

    def on_request(request):
        path = re.sub(r"^https?://[^/]+", "", request.url)
        if request.method == "POST" and path == "/api/streams":
            seen["open"].append(request)
        elif request.method == "PUT" and "/chunks/" in path:
            seen["chunks"].append(path)
        elif request.method == "POST" and path.endswith("/finish"):
            seen["finish"].append(request)
        elif request.method == "POST" and path == "/api/entries":
            seen["entries"].append(request)

    page.on("request", on_request)
    return seen


def rewrite_acks(page, change) -> None:
    """Let `change(body)` alter every chunk acknowledgement the page receives."""

    def handle(route):
        response = route.fetch()
        if not response.ok:  # a refusal (a late chunk of a closed stream) as it is
            route.fulfill(response=response)
            return
        body = response.json()
        change(body)
        route.fulfill(response=response, json=body)

    page.route("**/api/streams/*/chunks/*", handle)


def test_an_answer_is_streamed_while_spoken_and_finished_into_its_entry(open_page):
    page = open_page(mic="story")
    sign_up(page)
    seen = stream_requests(page)
    start_at(page)
    expect(page.locator("#answer-text")).to_have_text(FAKE, timeout=30_000)
    shown = page.locator("#answer-text").inner_text()
    page.get_by_role("button", name="Pause").click()
    assert len(seen["open"]) == 1 and len(seen["finish"]) == 1
    assert seen["entries"] == []  # no whole-file upload: the chunks were the recording
    numbers = [int(path.rsplit("/", 1)[1]) for path in seen["chunks"]]
    assert len(numbers) >= 3 and numbers == list(range(len(numbers)))  # in order, each once
    finish = json.loads(seen["finish"][0].post_data)
    assert finish == {"chunks": len(numbers)}
    found = wait_for_entries(page, 1)
    assert found[0]["interrupted"] is False and found[0]["duration_s"] > 5
    assert found[0]["transcript"] == shown.strip()
    assert page.console_errors == []


def test_the_draft_is_a_caption_hidden_from_screen_readers_and_can_be_switched_off(open_page):
    page = open_page(mic="story")
    sign_up(page)

    rewrite_acks(page, lambda body: body.update(draft="words heard so far"))
    start_at(page)
    caption = page.locator(".draft-caption")
    expect(caption).to_have_text("words heard so far", timeout=20_000)
    expect(caption).to_be_visible()
    assert caption.get_attribute("aria-hidden") == "true"
    assert page.locator("[aria-live] .draft-caption, [role=status] .draft-caption").count() == 0
    expect(page.locator("#status")).not_to_contain_text("words heard so far")
    expect(page.locator("#answer-text")).to_have_text(FAKE, timeout=30_000)
    page.get_by_role("button", name="Pause").click()

    page.goto("/stages/first-steps")
    page.locator("#settings summary").click()
    switch = page.get_by_role("switch", name="Show a draft of my words while I speak")
    expect(switch).to_be_checked()
    switch.uncheck()
    start_at(page, stage=None)
    expect(page.get_by_text("Recording", exact=True)).to_be_visible(timeout=20_000)
    page.wait_for_timeout(2500)  # acknowledgements with a draft have arrived by now
    expect(caption).to_be_hidden()
    page.get_by_role("button", name="Pause").click()
    page.unroute_all(behavior="ignoreErrors")


def test_the_server_s_silence_ends_the_turn(open_page):
    """An acknowledgement saying the speech ended (after the person's pause) stops the turn."""
    page = open_page(mic="story")
    sign_up(page)

    def silent_after_speech(body):
        if body["chunk"] >= 1:  # the second half-second: the server "heard" speech then quiet
            body.update(speech_heard=True, silence_s=9.0, speech_ended=True)

    rewrite_acks(page, silent_after_speech)
    start_at(page)
    expect(page.locator("#answer-text")).to_have_text(FAKE, timeout=30_000)
    page.get_by_role("button", name="Pause").click()
    page.unroute_all(behavior="ignoreErrors")
    [entry] = entries(page)
    # The fake microphone speaks for about seven seconds: the turn ended well before that.
    assert entry["duration_s"] < 2.0, entry
