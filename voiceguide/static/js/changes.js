// @ts-check
// "Hear how your answers changed": one question's answers, oldest first, one after
// another without a hand on the keyboard. Recordings play; a typed answer is shown
// (focused and highlighted) for a moment, read by nothing.

import { $, $$ } from './dom.js';

const SHOWN_MS_PER_WORD = 300;
const SHOWN_MS_MIN = 3000;
const SHOWN_MS_MAX = 12000;

/**
 * How long a typed answer stays highlighted, from its length.
 * @param {string} text
 * @returns {number}
 */
export function shownFor(text) {
  const words = text.split(/\s+/).filter(Boolean).length;
  return Math.min(SHOWN_MS_MAX, Math.max(SHOWN_MS_MIN, words * SHOWN_MS_PER_WORD));
}

const box = typeof document === 'undefined' ? null : $('[data-changes]');
if (box) {
  const play = /** @type {HTMLButtonElement} */ ($('[data-action="play-changes"]', box));
  const stop = /** @type {HTMLButtonElement} */ ($('[data-action="stop-changes"]', box));
  const status = /** @type {HTMLElement} */ ($('#changes-status', box));
  const items = $$('[data-entry]').reverse(); // the page is newest first
  let run = 0;
  box.hidden = false;

  /** @param {HTMLElement} item */
  const mark = (item) => {
    for (const other of items) other.classList.toggle('playing', other === item);
  };

  const finish = (/** @type {string} */ message) => {
    run += 1;
    for (const audio of $$('audio')) /** @type {HTMLAudioElement} */ (audio).pause();
    mark(/** @type {HTMLElement} */ (document.body));
    stop.hidden = true;
    play.hidden = false;
    status.textContent = message;
    play.focus();
  };

  /**
   * Play or show one answer; resolves when it is over.
   * @param {HTMLElement} item
   * @returns {Promise<void>}
   */
  const present = (item) =>
    new Promise((resolve) => {
      const audio = /** @type {HTMLAudioElement|null} */ ($('audio', item));
      if (!audio) {
        const text = $('.journal-transcript', item)?.textContent ?? '';
        setTimeout(resolve, shownFor(text));
        return;
      }
      audio.addEventListener('ended', () => resolve(), { once: true });
      audio.addEventListener('error', () => resolve(), { once: true });
      audio.currentTime = 0;
      audio.play().catch(() => resolve());
    });

  play.addEventListener('click', async () => {
    const mine = ++run;
    play.hidden = true;
    stop.hidden = false;
    stop.focus();
    for (const [index, item] of items.entries()) {
      if (run !== mine) return;
      const when = $('.journal-when', item)?.textContent?.trim() ?? '';
      status.textContent = `Answer ${index + 1} of ${items.length}: ${when}`;
      mark(item);
      item.scrollIntoView({ block: 'nearest' });
      await present(item);
    }
    if (run === mine) finish('That was every answer, up to the newest.');
  });
  stop.addEventListener('click', () => finish('Stopped.'));
}
