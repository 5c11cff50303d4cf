"""Helpers for the browser tests: sign up through the real pages, read the journal API."""

from __future__ import annotations

import itertools
import os
import re
import time

from playwright.sync_api import Page, expect

PASSWORD = "calm-river-lantern-42"
STAGE = "first-steps"
PROMPTS = ["prompt-1", "prompt-2"]
FAKE = re.compile(r"^a fake transcript( a fake transcript)*$")
"""What the fake engine's transcript looks like: its sentence once, or (a streamed answer)
once for each segment transcribed while speaking and once for the rest."""
_names = itertools.count(1)


def sign_up(page: Page, keep_key: bool = True) -> str:
    """Create an account through the register form (which signs in); return the name.

    The form leads to the recovery key, shown once; `keep_key` confirms it was kept and
    goes on (otherwise the page is left on the recovery key).
    """
    name = f"tester{os.getpid()}-{next(_names)}"
    page.goto("/auth/register")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_load_state()
    assert "/auth/recovery-key" in page.url, page.content()
    if keep_key:
        page.get_by_label("I have kept my recovery key somewhere safe").check()
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()
        assert "/auth/" not in page.url, page.content()
    return name


def entries(page: Page, stage: str = STAGE) -> list[dict]:
    """The signed-in person's entries for a stage, newest first, from the API."""
    response = page.request.get(f"/api/entries?stage={stage}")
    assert response.ok, response.text()
    return response.json()["entries"]


def wait_for_entries(
    page: Page, count: int, stage: str = STAGE, timeout: float = 30, done: bool = True
) -> list[dict]:
    """Poll the API until `count` entries exist (and are transcribed, when `done`)."""
    deadline = time.monotonic() + timeout
    found: list[dict] = []
    while time.monotonic() < deadline:
        found = entries(page, stage)
        if len(found) >= count and (
            not done or all(e["status"] in ("done", "failed") for e in found)
        ):
            return found
        time.sleep(0.3)
    raise AssertionError(f"expected {count} entries, found {found}")


def start_session(page: Page, stage: str = STAGE) -> None:
    """Open a stage page and press Start."""
    page.goto(f"/stages/{stage}")
    page.get_by_role("button", name="Start session").click()


def status(page: Page):
    """The session's live region."""
    return page.locator("#status")


def expect_complete(page: Page, timeout: float = 60_000) -> None:
    """Wait until the stage says it is complete (every question answered)."""
    expect(page.locator("#complete-note")).to_contain_text("Stage complete", timeout=timeout)


def sign_out(page: Page) -> None:
    """Press Sign out and wait until it is done: it first sends any answer still waiting."""
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible(timeout=20_000)


def expect_ending(page: Page, text: str, timeout: float = 60_000) -> None:
    """Wait until the stage has ended, saying `text`."""
    expect(page.locator("#complete-note")).to_contain_text(text, timeout=timeout)


def sign_in(page: Page, name: str) -> None:
    """Sign in through the form."""
    page.goto("/auth/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/auth/login" not in page.url, page.content()


def start_at(page: Page, part: str = "prompt-1", stage: str | None = STAGE) -> None:
    """Start the session at a part with its "Play from here" button (skips the intro).

    `stage=None` stays on the page already open.
    """
    if stage is not None:
        page.goto(f"/stages/{stage}")
    page.locator(f"li[data-part='{part}'] .play-from").click()


def wait_until(page: Page, predicate: str, timeout: float = 15.0) -> None:
    """Poll a JavaScript function until it returns true.

    Not `page.wait_for_function`: its polling evaluates strings in the page, which the
    app's Content-Security-Policy (no 'unsafe-eval') refuses.
    """
    deadline = time.monotonic() + timeout
    while not page.evaluate(predicate):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout:g} s: {predicate}")
        page.wait_for_timeout(100)
