// @ts-check
// Answers on their way to the journal: what the outbox's events show the person, and the
// typed-answer forms (which work without JavaScript; with it they send through the outbox).

import { $, $$, uuid } from './dom.js';
import { waitMessage } from './outbox.js';

export const SLOW_UPLOAD_MS = 1000;

/**
 * Says something only when a step is still going on after a while (per answer).
 */
export class SlowNotice {
  /**
   * @param {() => void} say
   * @param {{ms?: number, setTimer?: (fn: () => void, ms: number) => any,
   *   clearTimer?: (timer: any) => void}} [options]
   */
  constructor(say, { ms = SLOW_UPLOAD_MS, setTimer = setTimeout, clearTimer = clearTimeout } = {}) {
    this.say = say;
    this.ms = ms;
    // Called as plain functions: window.setTimeout refuses another `this`.
    this.setTimer = (/** @type {() => void} */ fn, /** @type {number} */ ms) => setTimer(fn, ms);
    this.clearTimer = (/** @type {any} */ timer) => clearTimer(timer);
    /** @type {Map<string, any>} */
    this.timers = new Map();
  }

  /** @param {string} id */
  start(id) {
    if (this.timers.has(id)) return;
    this.timers.set(
      id,
      this.setTimer(() => {
        this.timers.delete(id);
        this.say();
      }, this.ms),
    );
  }

  /** @param {string} id */
  stop(id) {
    this.clearTimer(this.timers.get(id));
    this.timers.delete(id);
  }
}

export function showOutboxProgress(outbox, view, { stage, loginUrl }) {
  // "Uploading" only when it takes a while: said and then at once overtaken by "Saved", it
  // would hold the live region (and the beat after the answer) for nothing.
  const slow = new SlowNotice(() => view.announce('Uploading your answer\u2026'));
  outbox.addEventListener('checking', (event) => slow.start(event.detail.record.client_id));
  outbox.addEventListener('uploading', (event) => slow.start(event.detail.record.client_id));
  for (const kind of ['command', 'saved', 'retrying', 'refused', 'held']) {
    outbox.addEventListener(kind, (event) => slow.stop(event.detail.record.client_id));
  }
  outbox.addEventListener('retrying', (event) => {
    view.announce(waitMessage(event.detail.code, Math.round(event.detail.delay / 1000)));
  });
  outbox.addEventListener('saved', (event) => {
    view.announce(event.detail.record.blob ? 'Saved. Making the transcript\u2026' : 'Saved.');
  });
  outbox.addEventListener('transcript', (event) => {
    if (event.detail.record.stage === stage)
      view.showAnswer(event.detail.record, event.detail.entry);
    view.announce('Transcript ready. Saved to your journal.');
  });
  outbox.addEventListener('failed', (event) => {
    const reason = event.detail.entry.error || 'the words could not be made out';
    view.showError(
      `Your recording is saved in your journal, but no transcript was made (${reason}). ` +
        'You can listen to it and try again from your journal, or record this answer again.',
    );
  });
  outbox.addEventListener('refused', (event) => {
    view.showError(
      `Your answer could not be saved: ${event.detail.error || 'the server refused it.'} ` +
        'Please record it again or type it instead.',
    );
  });
  outbox.addEventListener('held', (event) => {
    if (event.detail.code === 'sign_in_required') {
      view.showError(
        'You are signed out, so your answer could not be sent. It is kept on this device ' +
          'and is sent when you come back to a stage page after signing in.',
        { link: { href: loginUrl, text: 'Sign in' } },
      );
    } else if (event.detail.code === 'quota_exceeded') {
      view.showError(
        `${event.detail.error} Your answer is kept on this device and is sent when you ` +
          'come back to a stage page.',
      );
    } else {
      view.showError(
        'Your answer could not be sent because this page has expired. It is kept on this ' +
          'device: reload the page and it is sent again.',
      );
    }
  });
}

// Send typed answers through the outbox; `onSent(promptId)` once one is in the journal.
export function wireTypedForms(view, outbox, { stage, user }, onSent) {
  for (const slot of $$('[data-typed-slot]')) {
    const form = $('form', slot);
    const prompt = slot.dataset.typedSlot;
    form?.addEventListener('submit', async (event) => {
      event.preventDefault();
      /** @type {HTMLTextAreaElement|HTMLInputElement|null} */
      const field = $('textarea[name="text"], input[name="text"], textarea', form);
      const text = field?.value.trim() ?? '';
      if (!text) {
        view.showError('Type an answer first, then save it.');
        field?.focus();
        return;
      }
      view.clearError();
      const record = { client_id: uuid(), user, stage, prompt, text, created: Date.now() };
      const outcome = outbox.settle(record.client_id);
      await outbox.add(record);
      if ((await outcome).kind === 'transcript') {
        field.value = '';
        view.slotNote(prompt, '');
        onSent(prompt);
      }
    });
  }
}
