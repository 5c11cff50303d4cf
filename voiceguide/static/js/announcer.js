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
    /** @type {string[]} */
    this.queue = [];
    this.busy = false;
    this.last = '';
  }

  /**
   * Queue `text`; said at once when nothing else is being said. The same text twice in a
   * row, while the first is still showing or waiting, is said once.
   * @param {string} text
   */
  say(text) {
    if (!text) return;
    const latest = this.queue.length
      ? this.queue[this.queue.length - 1]
      : this.busy
        ? this.last
        : '';
    if (text === latest) return;
    this.queue.push(text);
    if (!this.busy) this.next();
  }

  next() {
    const text = this.queue.shift();
    if (text === undefined) {
      this.busy = false;
      return;
    }
    this.busy = true;
    this.last = text;
    this.write(text);
    this.setTimer(() => this.next(), this.minMs);
  }

  /** Everything queued and not yet said, in order (tests, and a page about to be left). */
  get pending() {
    return [...this.queue];
  }
}
