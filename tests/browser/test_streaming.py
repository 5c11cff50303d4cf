"""Streamed answers in a real browser: chunks while speaking, the finish, the draft caption."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.support import FAKE, entries, sign_up, start_at, wait_for_entries
from tests.helpers import PASSWORD
from tests.journal_factory import recording_bytes
from tests.test_at_rest import database_rows
from voiceguide.accounts import keyring
from voiceguide.extensions import db
from voiceguide.journal.recordings import store
from voiceguide.models import AnswerStream, User

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


def readable_anywhere(app, needles: list[bytes]) -> list[tuple[str, bytes]]:
    """(where, needle) for every needle found in a file of the data directory or in a value
    of the database; a needle of a few byte values only (a run of zeros in the WebM) is no
    evidence and is left out."""
    needles = [n for n in needles if len(set(n)) >= 8 or len(n) < 8]
    found = []
    files = [p for p in Path(app.config["DATA_DIR"]).rglob("*") if p.is_file()]
    blobs = [(str(p), p.read_bytes()) for p in files if p.exists()]
    blobs.append(("<database rows>", database_rows(app)))
    for where, data in blobs:
        found += [(where, n) for n in needles if n in data]
    return found


def test_a_streamed_answer_is_sealed_while_spoken_and_after(open_page):
    """Mid-answer and once saved: no piece of what the browser sent (opened here with the
    person's password to know what to look for), and none of the words heard, is on the
    server's disk or in its database."""
    page = open_page(mic="story")
    name = sign_up(page)
    acked: list[int] = []
    page.on("response", lambda r: acked.append(r.status) if "/chunks/" in r.url else None)
    start_at(page)
    deadline = time.monotonic() + 20
    while acked.count(201) < 4 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert acked.count(201) >= 4
    app = page.server.app
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == name))
        key = keyring.open_with_password(user, PASSWORD)
        stream = db.session.scalar(select(AnswerStream).where(AnswerStream.user_id == user.id))
        with store().open_chunks(user.id, stream.id, range(4), key) as joined:
            sent = joined.read()
    assert sent.startswith(b"\x1a\x45\xdf\xa3")  # what the browser sent: a WebM
    needles = [sent[:4], b"fake transcript"]
    needles += [sent[i : i + 24] for i in range(64, len(sent) - 24, max(1, len(sent) // 8))]
    assert readable_anywhere(app, needles) == []
    expect(page.locator("#answer-text")).to_have_text(FAKE, timeout=30_000)
    page.get_by_role("button", name="Pause").click()
    [entry] = wait_for_entries(page, 1)
    recording = recording_bytes(app, entry["id"])
    assert recording.startswith(sent)  # the sealed recording is the chunks joined
    needles += [recording[i : i + 24] for i in range(64, len(recording) - 24, 997)]
    assert readable_anywhere(app, needles) == []
