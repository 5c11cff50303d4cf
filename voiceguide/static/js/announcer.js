// @ts-check
// The live region's queue: announcements are said in order, each left in the region long
// enough for a screen reader to speak it, never overwritten by the next one.

export const MIN_SHOW_MS = 1400;

/**
 * @typedef {object} AnnouncerOptions
 * @property {number} [minMs] how long each announcement stays before the next replaces it
 * @property {(fn: () => void, ms: number) => unknown} [setTimer]
 */

export class Announcer {
  /**
   * @param {(text: string) => void} write puts one announcement into the live region
   * @param {AnnouncerOptions} [options]
   */
  constructor(write, { minMs = MIN_SHOW_MS, setTimer = setTimeout } = {}) {
    this.write = write;
    this.minMs = minMs;
    this.setTimer = (/** @type {() => void} */ fn, /** @type {number} */ ms) => setTimer(fn, ms);
    /** @type {{text: string, tag?: string, seq: number}[]} */
    this.queue = [];
    this.busy = false;
    this.last = '';
    /** @type {(() => void)[]} */
    this.waiting = [];
    this.seq = 0; // announcements ever queued
    this.showing = 0; // the one in the region now
    this.said = 0; // the last one left in place long enough
    /** @type {{seq: number, resolve: () => void}[]} */
    this.saidWaiters = [];
  }

  /**
   * Resolves once what is queued now has been said (not what is queued later): the beat
   * after an answer waits for "Saved", never for the announcements that follow it.
   * @returns {Promise<void>}
   */
  saidSoFar() {
    const seq = this.queue.length
      ? this.queue[this.queue.length - 1].seq
      : this.busy
        ? this.showing
        : 0;
    if (seq <= this.said) return Promise.resolve();
    return new Promise((resolve) => this.saidWaiters.push({ seq, resolve }));
  }

  /**
   * Resolves once everything queued has been said and left in place long enough.
   * @returns {Promise<void>}
   */
  idle() {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /**
   * Queue `text`; said at once when nothing else is being said. The same text twice in a
   * row, while the first is still showing or waiting, is said once. A `tag`ged announcement
   * (what is happening now: "Playing: ...") replaces one with the same tag still waiting, so
   * that the queue never says what is no longer true; untagged ones (an answer saved) always
   * wait their turn.
   * @param {string} text
   * @param {{tag?: string}} [options]
   */
  say(text, { tag } = {}) {
    if (!text) return;
    if (tag) {
      this.queue = this.queue.filter((item) => item.tag !== tag);
    }
    const latest = this.queue.length
      ? this.queue[this.queue.length - 1].text
      : this.busy
        ? this.last
        : '';
    if (text === latest) return;
    this.queue.push({ text, tag, seq: ++this.seq });
    if (!this.busy) this.next();
  }

  next() {
    if (this.showing > this.said) {
      this.said = this.showing;
      const due = this.saidWaiters.filter((w) => w.seq <= this.said);
      this.saidWaiters = this.saidWaiters.filter((w) => w.seq > this.said);
      for (const waiter of due) waiter.resolve();
    }
    const item = this.queue.shift();
    if (item === undefined) {
      this.busy = false;
      for (const resolve of this.waiting.splice(0)) resolve();
      return;
    }
    const text = item.text;
    this.busy = true;
    this.showing = item.seq;
    this.last = text;
    this.write(text);
    this.setTimer(() => this.next(), this.minMs);
  }

  /** Everything queued and not yet said, in order (tests, and a page about to be left). */
  get pending() {
    return this.queue.map((item) => item.text);
  }
}
