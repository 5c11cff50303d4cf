// @ts-check
// Leaving a shared computer: signing out first sends the answers still waiting in this
// browser's outbox (or asks before throwing them away), then forgets this person's data here
// (their waiting answers, progress and preferences). Other people's data stays.
//
// The pure parts (which keys and records are this person's) are exported for node tests.

import { sleep } from './dom.js';
import { Outbox } from './outbox.js';
import { answersWithKeptChunks, forgetChunks, resendChunks } from './stream.js';

const PREFIX = 'voiceguide:';
const SEND_WAIT_MS = 15000;

/**
 * The localStorage keys holding this person's data: progress and completed stages (keyed by
 * their storage key) and the session preferences last saved in this browser.
 * @param {string[]} keys
 * @param {string} storageKey
 * @returns {string[]}
 */
export function keysToForget(keys, storageKey) {
  return keys.filter(
    (key) =>
      key === `${PREFIX}prefs` ||
      (storageKey !== '' &&
        (key.startsWith(`${PREFIX}progress:${storageKey}:`) ||
          key.startsWith(`${PREFIX}complete:${storageKey}:`))),
  );
}

/**
 * The outbox records made by this person.
 * @template {{user?: string|null}} R
 * @param {R[]} records
 * @param {string} storageKey
 */
export function recordsOf(records, storageKey) {
  return records.filter((record) => storageKey !== '' && record.user === storageKey);
}

/** @param {number} count */
export function discardQuestion(count) {
  const answers = count === 1 ? '1 answer has' : `${count} answers have`;
  return (
    `${answers} not reached the server yet (the connection may be down). ` +
    'If you sign out now, they are deleted from this computer and lost. ' +
    'Press OK to sign out and delete them, or Cancel to stay signed in and try again later.'
  );
}

/**
 * @param {Outbox} outbox
 * @param {string} storageKey
 * @returns {Promise<{client_id: string, user?: string|null}[]>}
 */
async function waiting(outbox, storageKey) {
  try {
    return recordsOf(await outbox.store.all(), storageKey);
  } catch {
    return [];
  }
}

/** @param {HTMLFormElement} form */
async function leave(form) {
  const key = form.dataset.storageKey || '';
  const outbox = new Outbox({
    entriesUrl: form.dataset.entriesUrl,
    commandsUrl: form.dataset.commandsUrl,
    user: key,
  });
  await outbox.ready;
  let left = await waiting(outbox, key);
  if (left.length) {
    const status = form.querySelector('[data-signout-status]');
    if (status) status.textContent = 'Sending your waiting answers first…';
    // An answer that cannot go now (network down, server busy, page expired) will not go in
    // the next seconds either: ask at once rather than keep the person waiting.
    let stuck = false;
    for (const type of ['retrying', 'held']) {
      outbox.addEventListener(type, () => {
        stuck = true;
      });
    }
    outbox.resendAll();
    const until = Date.now() + SEND_WAIT_MS;
    while (left.length && !stuck && Date.now() < until) {
      await sleep(300);
      left = await waiting(outbox, key);
    }
    if (status) status.textContent = '';
  }
  // Pieces of answers streamed while the connection dropped (js/stream.js): sent if they can be.
  await resendChunks(key);
  const unsent = left.length + (await answersWithKeptChunks(key));
  if (unsent && !window.confirm(discardQuestion(unsent))) return false;
  for (const record of left) await outbox.store.delete(record.client_id).catch(() => {});
  await forgetChunks(key);
  try {
    const all = Object.keys(localStorage);
    for (const name of keysToForget(all, key)) localStorage.removeItem(name);
  } catch {
    // Storage blocked: there is nothing of theirs in it either.
  }
  return true;
}

// (No document under node, where the tests import the functions above.)
const forms =
  typeof document === 'undefined' ? [] : document.querySelectorAll('form[data-signout]');
for (const form of forms) {
  if (!(form instanceof HTMLFormElement)) continue;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button');
    if (button) button.disabled = true;
    try {
      if (await leave(form)) form.submit();
    } finally {
      if (button) button.disabled = false;
    }
  });
}
