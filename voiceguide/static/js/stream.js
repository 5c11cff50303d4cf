// @ts-check
// Streamed answers: while the person speaks, the recorder's chunks go to the server
// (`/api/streams`), each kept in IndexedDB until the server has acknowledged it. Each
// acknowledgement brings the server's voice-activity result (the turn may end on it) and
// the draft transcript, shown as a caption in a draft style: never in a live region (a
// screen reader would talk over the person, and the microphone would record it); the
// final transcript is announced once, as before. At the stop only a finish is sent.
//
// Anything that goes wrong here falls back to the whole-file upload through the outbox,
// under the same client_id (so the server never makes two entries of one answer).

import { csrfToken, sleep } from './dom.js';

const DB_NAME = 'voiceguide-chunks';
const STORE = 'chunks';
const TIMESLICE_MS = 500;
const PUT_TRIES = 3;
const FINISH_WAIT_MS = 4000; // for chunks still on their way when the person stops
const FAST_POLL_MS = 150; // following the transcript right after the finish
const FAST_POLL_FOR_MS = 4000;
const HEALTHY_MS = 2500; // the server's end of turn is trusted while acks are this recent
const CAPTIONS_KEY = 'voiceguide:captions';
const KEEP_OPEN_MS = 30000; // asked after this long without a chunk (a recording held by Pause)
const KEEP_OPEN_FOR_MS = 30 * 60000; // a hold longer than this is a page left alone

/**
 * @typedef {object} Ack
 * @property {boolean} speech_ended
 * @property {boolean} speech_heard
 * @property {number} silence_s
 * @property {string|null} draft
 */

/**
 * Whether this recording can be streamed: a container the server decodes as it grows.
 * @param {string} type the recorder's MIME type
 */
export function canStream(type) {
  return /webm|ogg/.test(type) && typeof indexedDB !== 'undefined';
}

/**
 * Whether an acknowledgement ends the turn, for the person's pause setting (null: never).
 * @param {Ack} ack
 * @param {number|null} pauseSeconds
 */
export function endsTurn(ack, pauseSeconds) {
  if (pauseSeconds === null || pauseSeconds === undefined) return false;
  return Boolean(ack.speech_heard) && ack.silence_s >= pauseSeconds;
}

// One small IndexedDB store: {key: "<client_id>/<n>", url, blob}.
class ChunkStore {
  constructor() {
    this.db = new Promise((resolve) => {
      try {
        const open = indexedDB.open(DB_NAME, 1);
        open.onupgradeneeded = () => open.result.createObjectStore(STORE, { keyPath: 'key' });
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => resolve(null);
      } catch {
        resolve(null);
      }
    });
  }

  async run(mode, action) {
    const db = await this.db;
    if (!db) return null;
    return new Promise((resolve) => {
      const request = action(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => resolve(null);
    });
  }

  put(record) {
    return this.run('readwrite', (s) => s.put(record));
  }

  delete(key) {
    return this.run('readwrite', (s) => s.delete(key));
  }

  all() {
    return this.run('readonly', (s) => s.getAll());
  }
}

const chunkStore = typeof indexedDB === 'undefined' ? null : new ChunkStore();

function headers(json = false) {
  /** @type {Record<string, string>} */
  const h = { 'X-CSRFToken': csrfToken(), Accept: 'application/json' };
  if (json) h['Content-Type'] = 'application/json';
  return h;
}

export class LiveStream {
  /**
   * @param {object} options
   * @param {string} options.streamsUrl
   * @param {string} options.stage
   * @param {string} options.prompt
   * @param {string} options.clientId the client_id the answer's entry will carry
   * @param {string} options.user whose chunks these are (only ever sent for them)
   * @param {(ack: Ack) => void} [options.onAck]
   */
  constructor({ streamsUrl, stage, prompt, clientId, user, onAck }) {
    this.streamsUrl = streamsUrl;
    this.user = user;
    this.clientId = clientId;
    this.onAck = onAck;
    this.count = 0;
    this.broken = false;
    this.lastAck = 0;
    /** @type {Captions|null} */
    this.captions = null;
    /** @type {Promise<unknown>} chunks go one after the other, in order */
    this.queue = Promise.resolve();
    this.opened = fetch(streamsUrl, {
      method: 'POST',
      headers: headers(true),
      credentials: 'same-origin',
      body: JSON.stringify({ stage, prompt, client_id: clientId }),
    })
      .then((response) => (response.ok ? response.json() : null))
      .catch(() => null);
    this.lastSent = this.lastChunk = performance.now();
    // While no chunk comes (Pause holds the recording), the server is asked about the stream
    // now and then, so that its idle sweep does not take it for a closed tab.
    this.keepOpen = setInterval(() => this.askIfQuiet(), KEEP_OPEN_MS / 3);
  }

  async askIfQuiet() {
    if (performance.now() - this.lastChunk > KEEP_OPEN_FOR_MS) this.stopAsking();
    if (performance.now() - this.lastSent < KEEP_OPEN_MS) return;
    this.lastSent = performance.now();
    const stream = await this.opened;
    if (!stream || this.broken) return;
    await fetch(`${this.streamsUrl}/${stream.id}`, {
      headers: { Accept: 'application/json' },
      credentials: 'same-origin',
    }).catch(() => {});
  }

  stopAsking() {
    clearInterval(this.keepOpen);
  }

  // True while the server answers: its end of turn is used, the loudness one waits.
  get healthy() {
    return !this.broken && performance.now() - this.lastAck < HEALTHY_MS;
  }

  /** @param {Blob} blob the recorder's next chunk */
  push(blob) {
    const number = this.count++;
    this.lastSent = this.lastChunk = performance.now();
    const key = `${this.clientId}/${number}`;
    this.queue = this.queue.then(async () => {
      const stream = await this.opened;
      if (!stream || this.broken) {
        this.broken = true;
        return;
      }
      const url = `${stream.chunks_url}${number}`;
      await chunkStore?.put({ key, url, blob, user: this.user });
      const { ack } = await sendChunk(url, blob);
      if (!ack) {
        this.broken = true; // kept in IndexedDB: sent again on the next page
        return;
      }
      await chunkStore?.delete(key);
      this.lastAck = performance.now();
      this.onAck?.(ack);
    });
  }

  /**
   * Finish the stream into an entry; null when the whole file must be uploaded instead.
   * @returns {Promise<object|null>}
   */
  async finish() {
    this.stopAsking();
    const sent = await Promise.race([
      this.queue.then(() => true),
      sleep(FINISH_WAIT_MS).then(() => false),
    ]);
    const stream = await this.opened;
    if (!sent || this.broken || !stream || this.count === 0) return null;
    try {
      const response = await fetch(stream.finish_url, {
        method: 'POST',
        headers: headers(true),
        credentials: 'same-origin',
        body: JSON.stringify({ chunks: this.count }),
      });
      return response.ok ? await response.json() : null;
    } catch {
      return null;
    }
  }

  // Not an answer after all (a voice command is checked as a whole file): close it emptily.
  async discard() {
    this.stopAsking();
    this.broken = true; // no chunk starts after this; the one on its way may end first
    await Promise.race([this.queue, sleep(FINISH_WAIT_MS)]);
    const stream = await this.opened;
    if (!stream) return;
    await fetch(`${this.streamsUrl}/${stream.id}`, {
      method: 'DELETE',
      headers: headers(),
      credentials: 'same-origin',
    }).catch(() => {});
  }
}

/**
 * PUT one chunk, up to `tries` times: {ack} once stored, {refused: true} when the server
 * refuses it for good (a 4xx: the stream is closed, or not this person's), else {}.
 * @param {string} url
 * @param {Blob} blob
 * @param {number} [tries]
 * @returns {Promise<{ack?: Ack, refused?: boolean}>}
 */
async function sendChunk(url, blob, tries = PUT_TRIES) {
  for (let attempt = 0; attempt < tries; attempt++) {
    if (attempt) await sleep(300 * 2 ** (attempt - 1));
    try {
      const response = await fetch(url, {
        method: 'PUT',
        body: blob,
        headers: headers(),
        credentials: 'same-origin',
      });
      if (response.ok) return { ack: await response.json() };
      if (response.status < 500 && response.status !== 429) return { refused: true };
    } catch {
      // the network: try again
    }
  }
  return {};
}

/**
 * Chunks of an earlier page that were never acknowledged (the tab closed mid-answer): the
 * server keeps what arrives and makes an interrupted entry of it; a closed stream refuses.
 * Only this person's (a shared browser keeps the others' for them); one try each, and none
 * after the first that cannot reach the server (they wait for the next page).
 * @param {string} user
 */
export async function resendChunks(user) {
  const kept = ((await chunkStore?.all()) ?? []).filter((c) => user && c.user === user);
  for (const { key, url, blob } of kept) {
    const sent = await sendChunk(url, blob, 1);
    if (!sent.ack && !sent.refused) return;
    await chunkStore?.delete(key);
  }
}

/**
 * How many of this person's streamed answers still have chunks only this browser holds.
 * @param {string} user
 */
export async function answersWithKeptChunks(user) {
  const kept = ((await chunkStore?.all()) ?? []).filter((c) => user && c.user === user);
  return new Set(kept.map((c) => c.key.split('/')[0])).size;
}

/**
 * Delete this person's kept chunks (signing out of a shared computer, after asking).
 * @param {string} user
 */
export async function forgetChunks(user) {
  const kept = ((await chunkStore?.all()) ?? []).filter((c) => user && c.user === user);
  for (const { key } of kept) await chunkStore?.delete(key);
}

/**
 * After a finish: emit the outbox's events for the entry, following it quickly at first,
 * then at the outbox's own pace.
 * @param {import('./outbox.js').Outbox} outbox
 * @param {object} record
 * @param {any} entry
 */
export async function followStreamed(outbox, record, entry) {
  outbox.emit('saved', { record, entry });
  let current = entry;
  const until = performance.now() + FAST_POLL_FOR_MS;
  while (current.status !== 'done' && current.status !== 'failed' && performance.now() < until) {
    await sleep(FAST_POLL_MS);
    try {
      const response = await fetch(`${outbox.entriesUrl}/${current.id}`, {
        headers: { Accept: 'application/json' },
        credentials: 'same-origin',
      });
      if (response.ok) current = await response.json();
    } catch {
      // offline for a moment: the outbox's follow takes over below
    }
  }
  outbox.follow(record, current);
}

// The draft caption: in the recording panel, hidden from assistive technology, with a switch.
export class Captions {
  /** @param {HTMLElement|null} panel the recording panel */
  constructor(panel) {
    this.enabled = localStorage.getItem(CAPTIONS_KEY) !== 'off';
    /** @type {HTMLElement|null} */
    const existing = panel?.querySelector('.draft-caption') ?? null;
    this.el = existing ?? document.createElement('p');
    if (!existing) {
      this.el.className = 'draft-caption';
      this.el.setAttribute('aria-hidden', 'true');
      panel?.querySelector('.recording-actions')?.before(this.el);
    }
    this.el.hidden = true;
  }

  /** @param {string|null} draft */
  show(draft) {
    this.el.textContent = draft ?? '';
    this.el.hidden = !this.enabled || !draft;
  }

  clear() {
    this.show(null);
  }
}

// The settings switch for the captions (kept in this browser).
export function addCaptionsSwitch() {
  const body = document.querySelector('#settings .settings-body');
  if (!body || document.getElementById('live-captions')) return;
  const row = document.createElement('p');
  row.className = 'switch-row';
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.id = 'live-captions';
  box.setAttribute('role', 'switch');
  box.checked = localStorage.getItem(CAPTIONS_KEY) !== 'off';
  box.addEventListener('change', () => {
    localStorage.setItem(CAPTIONS_KEY, box.checked ? 'on' : 'off');
  });
  const label = document.createElement('label');
  label.htmlFor = 'live-captions';
  label.textContent = 'Show a draft of my words while I speak';
  row.append(box, label);
  body.prepend(row);
}

/** @type {WeakMap<object, LiveStream>} a recording's result -> its stream */
const streams = new WeakMap();

/**
 * Start streaming a recording turn, when the page and the browser allow it; else null.
 * @param {{cfg: any, view: any}} ctx the turn's context
 * @param {{id: string}} part the question
 * @param {string} type the recorder's MIME type
 * @param {() => void} endTurn ends the recording as after a pause
 * @param {number|null} pauseSeconds
 */
export function startLive(ctx, part, type, endTurn, pauseSeconds) {
  const { cfg, view } = ctx;
  if (!cfg.streamsUrl || !cfg.signedIn || !canStream(type)) return null;
  const captions = new Captions(view.el?.recording ?? document.getElementById('recording'));
  const live = new LiveStream({
    streamsUrl: cfg.streamsUrl,
    stage: cfg.stage,
    prompt: part.id,
    clientId: crypto.randomUUID(),
    user: cfg.user,
    onAck: (ack) => {
      captions.show(ack.draft);
      if (endsTurn(ack, pauseSeconds)) endTurn();
    },
  });
  live.captions = captions;
  return live;
}

/**
 * Remember which stream a recording's result came from (for the answer's upload).
 * @param {object} result
 * @param {LiveStream|null} live
 */
export function attach(result, live) {
  live?.captions?.clear();
  if (live) streams.set(result, live);
}

/**
 * An answer saved early (the person has paused; the turn listens on): when its stream is
 * healthy, the stream becomes that early part's, to be finished into its entry at once, so
 * that only the last words are left to transcribe rather than the whole file. The turn then
 * streams no more (null): should the person speak again, the whole answer goes as a file and
 * replaces the early part. A stream that is not healthy stays the turn's (returned).
 * @param {LiveStream|null} live the turn's stream
 * @param {object} early the recording's result so far
 * @returns {LiveStream|null} the stream the turn keeps
 */
export function handOver(live, early) {
  if (!live?.healthy) return live;
  attach(early, live);
  return null;
}

/**
 * The client_id of the stream a recording's result came from (its answer keeps it).
 * @param {object} result
 * @returns {string|undefined}
 */
export function clientIdFor(result) {
  return streams.get(result)?.clientId;
}

/**
 * Finish the answer's stream into its entry and follow it; false when the outbox must send
 * the whole file instead (no stream, a possible voice command, or the stream failed).
 * @param {object} result the recording's result
 * @param {import('./outbox.js').Outbox} outbox
 * @param {any} record the outbox record (its client_id is the stream's)
 */
export async function finishLive(result, outbox, record) {
  const live = streams.get(result);
  if (!live) return false;
  streams.delete(result);
  if (record.maybeCommand) {
    await live.discard();
    return false;
  }
  const entry = await live.finish();
  if (!entry) return false;
  followStreamed(outbox, record, entry);
  return true;
}

export { TIMESLICE_MS };
