"""Leaving a shared computer: sign-out sends the answers still waiting in this browser (or
asks before discarding them), then forgets this person's data here."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.support import STAGE, sign_in, sign_out, sign_up, wait_for_entries, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Puts one typed answer in the outbox (IndexedDB), as if its upload had not got through.
PUT_WAITING_ANSWER = """async ([user, id, stage]) => {
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open('voiceguide', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('outbox', {keyPath: 'client_id'});
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  await new Promise((resolve, reject) => {
    const tx = db.transaction('outbox', 'readwrite');
    tx.objectStore('outbox').put({client_id: id, user, stage, prompt: 'prompt-1',
      text: 'waiting on this computer', created: Date.now()});
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
  localStorage.setItem(`voiceguide:progress:${user}:p:${stage}`, '{"at": 2}');
  localStorage.setItem('voiceguide:progress:someone-else:p:x', '{"at": 1}');
}"""


def test_sign_out_sends_waiting_answers_or_asks_then_forgets_this_person(open_page):
    page = open_page(mic="silence")
    sign_up(page)
    page.goto("/journal")
    key = page.locator("form[data-signout]").get_attribute("data-storage-key")
    assert key and len(key) == 32
    page.evaluate(PUT_WAITING_ANSWER, [key, str(uuid.uuid4()), STAGE])

    # The server cannot be reached: the person is asked, and may stay signed in.
    page.route("**/api/entries", lambda route: route.abort())
    questions = []

    def dismiss(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("button", name="Sign out").click()
    wait_until(page, "() => !document.querySelector('form[data-signout] button').disabled")
    assert questions and questions[0].startswith("1 answer has not reached the server")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()  # still signed in

    # Reachable again: the answer is sent first, then the person is signed out and forgotten.
    page.unroute("**/api/entries")
    sign_out(page)
    left = page.evaluate("Object.keys(localStorage).filter(k => k.includes('progress'))")
    assert left == ["voiceguide:progress:someone-else:p:x"]


def test_an_answer_sent_at_sign_out_is_in_the_journal(open_page):
    page = open_page(mic="silence")
    name = sign_up(page)
    page.goto("/journal")
    key = page.locator("form[data-signout]").get_attribute("data-storage-key")
    page.evaluate(PUT_WAITING_ANSWER, [key, str(uuid.uuid4()), STAGE])
    sign_out(page)
    sign_in(page, name)
    found = wait_for_entries(page, 1, done=False)
    assert found[0]["transcript"] == "waiting on this computer"
