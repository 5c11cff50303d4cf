// @ts-check
// The outbox: every answer is kept in IndexedDB until the server confirms it, sent with its
// client_id (so a retry never makes a duplicate), retried with backoff, then followed until
// its transcript is ready.
//
// Events (CustomEvent, detail {record, ...}): checking, command, uploading, retrying, saved,
// transcript, failed, refused, held.

import { csrfToken, sleep } from './dom.js';
import { extensionFor } from './recorder.js';

const DB_NAME = 'voiceguide';
const STORE = 'outbox';
const MAX_DELAY_MS = 30000;

function request(idbRequest) {
  return new Promise((resolve, reject) => {
    idbRequest.onsuccess = () => resolve(idbRequest.result);
    idbRequest.onerror = () => reject(idbRequest.error);
  });
}

// IndexedDB when the browser allows it; otherwise a Map, which at least survives retries.
class Store {
  async open() {
    try {
      const open = indexedDB.open(DB_NAME, 1);
      open.onupgradeneeded = () => open.result.createObjectStore(STORE, { keyPath: 'client_id' });
      this.db = await request(open);
    } catch {
      this.memory = new Map();
    }
  }

  async run(mode, action) {
    if (this.memory) return action(null);
    const store = this.db.transaction(STORE, mode).objectStore(STORE);
    return request(action(store));
  }

  // Promises from the memory store too: callers catch (a Map's answer has no .catch).
  async put(record) {
    if (this.memory) return void this.memory.set(record.client_id, record);
    return this.run('readwrite', (store) => store.put(record));
  }

  async delete(id) {
    if (this.memory) return void this.memory.delete(id);
    return this.run('readwrite', (store) => store.delete(id));
  }

  async all() {
    if (this.memory) return [...this.memory.values()];
    return this.run('readonly', (store) => store.getAll());
  }
}

const SETTLED = ['command', 'transcript', 'failed', 'refused', 'held'];
/** The answer is in the journal (a 2xx), or will not be: what a turn waits for. */
export const STORED = ['command', 'saved', 'refused', 'held'];

const WAIT_CODES = new Set(['insufficient_storage', 'busy', 'database_busy']);

/**
 * What the person is told while an answer waits on this device to be sent again.
 * @param {string|undefined} code the server's error code (undefined: no answer at all)
 * @param {number} seconds until the next attempt
 * @returns {string}
 */
export function waitMessage(code, seconds) {
  const kept = `Your answer is kept on this device; trying again in ${seconds} s.`;
  if (code === 'insufficient_storage') return `The server's storage is full. ${kept}`;
  if (code === 'busy' || code === 'database_busy') return `The server is busy. ${kept}`;
  return `Could not reach the server. ${kept}`;
}

/**
 * What to do with an answer after the server's response to its upload, by the status and the
 * error body's machine `code` (never its sentence).
 * @param {number} status
 * @param {string|undefined} code
 * @returns {'saved'|'wait'|'retry'|'renew-token'|'hold'|'refuse'}
 */
export function policyFor(status, code) {
  if (status >= 200 && status < 300) return 'saved';
  // The server is out of space or busy: nothing is wrong with the answer. Kept here and sent
  // again later, and the person is told why it waits (waitMessage).
  if (status === 507 || (code && WAIT_CODES.has(code))) return 'wait';
  // The server or the network is busy or down: the same request may work later.
  if (status >= 500 || status === 429 || status === 408) return 'retry';
  if (code === 'csrf_expired') return 'renew-token';
  // Signed out (or not allowed just now): kept on this device until the person is back.
  if (status === 401 || status === 403) return 'hold';
  // The journal is full: kept here until the person makes room, never thrown away.
  if (code === 'quota_exceeded') return 'hold';
  // Anything else is about the answer itself (empty, too long, undecodable...).
  return 'refuse';
}

const STEADY_POLL_MS = 400;
const STEADY_FOR_MS = 15000;
const LONGEST_POLL_MS = 3000;

/**
 * How long to wait before asking again for an answer's transcript. A person is waiting for
 * it: every 0.4 s while it should come soon (a 30 s answer takes 1 to 3 s of the server's
 * time), then less and less often (a queue or an engine retry). Backing off from the start
 * added up to 1.7 s to a transcript made in 4 s.
 * @param {number} elapsedMs since the answer was saved
 * @param {number} previousMs the last wait (0 before the first)
 * @returns {number}
 */
export function pollDelay(elapsedMs, previousMs) {
  if (elapsedMs < STEADY_FOR_MS) return STEADY_POLL_MS;
  return Math.min(LONGEST_POLL_MS, Math.max(STEADY_POLL_MS, previousMs) * 1.3);
}

// Fetch this page again for a fresh <meta name="csrf-token">; true when it was renewed.
async function renewCsrfToken() {
  try {
    const response = await fetch(location.href, { credentials: 'same-origin' });
    const html = await response.text();
    const token = html.match(/<meta name="csrf-token" content="([^"]+)"/)?.[1];
    const meta = document.querySelector('meta[name="csrf-token"]');
    if (!token || !meta) return false;
    meta.setAttribute('content', token);
    return true;
  } catch {
    return false;
  }
}

export class Outbox extends EventTarget {
  constructor({ entriesUrl, commandsUrl, user }) {
    super();
    this.entriesUrl = entriesUrl;
    this.commandsUrl = commandsUrl;
    this.user = user; // answers are only ever sent for the person who made them
    this.tokenRenewed = new Set();
    this.store = new Store();
    this.sending = new Set();
    this.attempts = new Map();
    this.ready = this.store.open();
    window.addEventListener('online', () => this.resendAll());
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /**
   * Resolve with the first outcome of `kinds` for this answer: {kind, record, entry?,
   * command?, error?}. By default a final one (the transcript, or why there is none);
   * STORED for the moment the server has the answer (its 2xx), before any transcript.
   * @param {string} clientId
   * @param {string[]} [kinds]
   */
  settle(clientId, kinds = SETTLED) {
    return new Promise((resolve) => {
      const handlers = kinds.map((kind) => {
        const handler = (event) => {
          if (event.detail.record.client_id !== clientId) return;
          for (const [i, k] of kinds.entries()) this.removeEventListener(k, handlers[i]);
          resolve({ kind, ...event.detail });
        };
        this.addEventListener(kind, handler);
        return handler;
      });
    });
  }

  // Keep the answer on this device first, then send it.
  async add(record) {
    await this.ready;
    try {
      await this.store.put(record);
    } catch {
      // Storage refused (quota, private mode): still send it from memory.
    }
    this.send(record);
  }

  async resendAll() {
    await this.ready;
    let records = [];
    try {
      records = await this.store.all();
    } catch {
      return;
    }
    // Someone else's answers (a shared browser) wait for them to sign in here again.
    const mine = records.filter((record) => this.user && record.user === this.user);
    for (const record of mine) this.send(record);
    return mine;
  }

  async send(record) {
    const id = record.client_id;
    if (this.sending.has(id)) return;
    this.sending.add(id);
    try {
      if (record.maybeCommand) {
        this.emit('checking', { record });
        const command = await this.recogniseCommand(record);
        if (command) {
          await this.store.delete(id);
          this.emit('command', { record, command });
          return;
        }
        record.maybeCommand = false;
        await this.store.put(record).catch(() => {});
      }
      this.emit('uploading', { record });
      let response;
      try {
        response = await fetch(this.entriesUrl, {
          method: 'POST',
          body: this.formFor(record),
          headers: { 'X-CSRFToken': csrfToken(), Accept: 'application/json' },
          credentials: 'same-origin',
        });
      } catch {
        return this.retryLater(record, 'network');
      }
      const body = await response.json().catch(() => ({}));
      let policy = policyFor(response.status, body.code);
      if (policy === 'renew-token') {
        if (!this.tokenRenewed.has(id) && (await renewCsrfToken())) {
          // The page's security token expired (the page was open for hours): a new one.
          this.tokenRenewed.add(id);
          setTimeout(() => this.send(record), 0);
          return;
        }
        policy = 'hold';
      }
      if (policy === 'saved') {
        await this.store.delete(id).catch(() => {});
        this.attempts.delete(id);
        this.emit('saved', { record, entry: body });
        this.follow(record, body);
      } else if (policy === 'retry' || policy === 'wait') {
        const after = Number(response.headers.get('Retry-After')) || 0;
        this.retryLater(record, body.error, body.code, after * 1000);
      } else if (policy === 'hold') {
        // Signed out, or the page's security token expired: kept here, sent after a reload.
        const detail = { record, status: response.status, code: body.code, error: body.error };
        this.emit('held', detail);
      } else {
        await this.store.delete(id).catch(() => {});
        const detail = { record, status: response.status, code: body.code, error: body.error };
        this.emit('refused', detail);
      }
    } finally {
      this.sending.delete(id);
    }
  }

  formFor(record) {
    const form = new FormData();
    if (record.blob) {
      const name = `answer.${extensionFor(record.type || '')}`;
      form.append('audio', new File([record.blob], name, { type: record.type }));
    } else {
      form.append('text', record.text);
    }
    form.append('stage', record.stage);
    form.append('prompt', record.prompt);
    form.append('client_id', record.client_id);
    return form;
  }

  // `atLeastMs`: the server's Retry-After, when it said how long to wait.
  retryLater(record, reason, code = undefined, atLeastMs = 0) {
    const attempt = (this.attempts.get(record.client_id) ?? 0) + 1;
    this.attempts.set(record.client_id, attempt);
    const backoff = Math.min(MAX_DELAY_MS, 1000 * 2 ** (attempt - 1));
    const delay = Math.max(backoff, Math.min(atLeastMs, MAX_DELAY_MS));
    this.emit('retrying', { record, delay, attempt, reason, code });
    setTimeout(() => this.send(record), delay);
  }

  // A short answer may be a command: ask the server, which transcribes it and stores nothing.
  async recogniseCommand(record) {
    const form = new FormData();
    form.append(
      'audio',
      new File([record.blob], `command.${extensionFor(record.type)}`, {
        type: record.type,
      }),
    );
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 20000);
    try {
      const response = await fetch(this.commandsUrl, {
        method: 'POST',
        body: form,
        headers: { 'X-CSRFToken': csrfToken(), Accept: 'application/json' },
        credentials: 'same-origin',
        signal: controller.signal,
      });
      if (!response.ok) return null;
      const body = await response.json();
      return body.command || null;
    } catch {
      return null; // not reachable: treat it as an answer, which is never lost
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Delete an entry of the journal (the early part of an answer, now saved whole); true when
   * it is gone. A failure leaves it in the journal: nothing is lost.
   * @param {number} id
   */
  async deleteEntry(id) {
    try {
      const response = await fetch(`${this.entriesUrl}/${id}`, {
        method: 'DELETE',
        headers: { 'X-CSRFToken': csrfToken(), Accept: 'application/json' },
        credentials: 'same-origin',
      });
      return response.ok || response.status === 404;
    } catch {
      return false;
    }
  }

  // Poll the entry until its transcript is done (or failed).
  async follow(record, entry) {
    let current = entry;
    const saved = Date.now();
    let wait = 0;
    for (;;) {
      if (current.status === 'done') return this.emit('transcript', { record, entry: current });
      if (current.status === 'failed') return this.emit('failed', { record, entry: current });
      wait = pollDelay(Date.now() - saved, wait);
      await sleep(wait);
      try {
        const response = await fetch(`${this.entriesUrl}/${current.id}`, {
          headers: { Accept: 'application/json' },
          credentials: 'same-origin',
        });
        if (response.status === 404 || response.status === 401) return;
        if (response.ok) current = await response.json();
      } catch {
        // Offline for a moment: keep polling.
      }
    }
  }
}
