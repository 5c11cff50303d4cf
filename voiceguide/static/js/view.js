// @ts-check
// What the session shows: the live region, alerts, captions, the recording panel, the last
// transcript, and the typed-answer forms. No flow logic here.

import { $, $$, formatDuration, formatTime, hideKeepingFocus, reducedMotion } from './dom.js';

/**
 * The element with this id, as the kind of element the page has there.
 * @template {HTMLElement} [T=HTMLElement]
 * @param {string} id
 * @returns {T}
 */
function byId(id) {
  return /** @type {T} */ (document.getElementById(id));
}

/**
 * @typedef {object} Part
 * @property {string} id
 * @property {string} kind intro, instruction, prompt or closing
 * @property {string} audio
 * @property {string} title
 * @property {string} text
 * @property {HTMLElement} el
 */

export class SessionView {
  /** @param {HTMLElement} root */
  constructor(root) {
    const el = byId;
    this.root = root;
    this.el = {
      begin: el('session-begin'),
      start: el('start-button'),
      restart: el('restart-button'),
      resumeNote: el('resume-note'),
      completeNote: el('complete-note'),
      status: el('status'),
      alert: el('alert'),
      now: el('now'),
      nowLabel: el('now-label'),
      nowText: el('now-text'),
      controls: el('controls'),
      pause: el('pause-button'),
      cont: el('continue-button'),
      speed: /** @type {HTMLSelectElement} */ (el('speed')),
      recording: el('recording'),
      elapsed: el('elapsed'),
      maxTime: el('max-time'),
      level: /** @type {HTMLMeterElement} */ (el('level')),
      recordingHint: el('recording-hint'),
      answer: el('answer'),
      answerQuestion: el('answer-question'),
      answerText: el('answer-text'),
      handsFree: /** @type {HTMLInputElement} */ (el('hands-free')),
      pauseSeconds: /** @type {HTMLSelectElement} */ (el('pause-seconds')),
      shortcuts: /** @type {HTMLInputElement} */ (el('shortcuts-on')),
    };
    // The script below the panel: one <li> per part, which doubles as the captions.
    /** @type {Part[]} */
    this.parts = $$('.parts > li.part').map((/** @type {HTMLElement} */ li) => ({
      id: li.dataset.part,
      kind: li.dataset.kind,
      audio: li.dataset.audio,
      title: li.dataset.title,
      text: $('.part-text', li).textContent.trim(),
      el: li,
    }));
    this.note = ''; // said before the next announcement (what a voice command did)
  }

  show() {
    this.root.hidden = false;
    document.documentElement.classList.add('has-session');
    for (const button of $$('.play-from')) button.hidden = false;
  }

  // ---- announcements ---------------------------------------------------------------------

  // Update the live region; a pending note goes first.
  announce(text) {
    const note = this.note;
    this.note = '';
    this.el.status.textContent = note ? `${note} ${text}` : text;
  }

  /**
   * @param {string} text
   * @param {{link?: {href: string, text: string}}} [options]
   */
  showError(text, { link } = {}) {
    this.el.alert.replaceChildren(text);
    if (link) {
      const a = document.createElement('a');
      a.href = link.href;
      a.textContent = link.text;
      this.el.alert.append(' ', a);
    }
  }

  clearError() {
    this.el.alert.replaceChildren();
  }

  // ---- session panel ---------------------------------------------------------------------

  showRunning() {
    this.el.begin.hidden = true;
    this.el.resumeNote.hidden = true;
    this.el.completeNote.hidden = true;
    this.el.controls.hidden = false;
    this.el.now.hidden = false;
    this.el.pause.focus();
  }

  showProgress({ part, time, completedAt }) {
    if (completedAt) {
      const when = new Date(completedAt).toLocaleDateString();
      this.el.completeNote.textContent = `You completed this stage on ${when}. You can go through it again at any time.`;
      this.el.completeNote.hidden = false;
    }
    if (part) {
      const at = time > 3 ? ` (${formatTime(time)} in)` : '';
      this.el.resumeNote.textContent = `You stopped at ${part.title}${at}. Start session goes on from there.`;
      this.el.resumeNote.hidden = false;
      this.el.restart.hidden = false;
    }
  }

  /** @param {{signedIn: boolean, nextUrl?: string, nextTitle?: string}} where */
  showComplete({ signedIn, nextUrl, nextTitle }) {
    this.highlight(-1);
    this.el.controls.hidden = true;
    this.el.now.hidden = true;
    this.el.begin.hidden = false;
    this.el.restart.hidden = true;
    const note = this.el.completeNote;
    note.textContent = signedIn
      ? 'Stage complete. Well done: your answers are in your journal.'
      : 'Stage complete. Sign in next time to keep your answers in a journal.';
    if (nextUrl) {
      const link = document.createElement('a');
      link.href = nextUrl;
      link.textContent = `Next stage: ${nextTitle}`;
      note.append(' ', link);
    }
    note.hidden = false;
    this.announce('Stage complete.');
    note.setAttribute('tabindex', '-1');
    note.focus();
  }

  setPaused(paused) {
    this.el.pause.textContent = paused ? 'Resume' : 'Pause';
  }

  showContinue(label) {
    this.el.cont.textContent = label;
    this.el.cont.hidden = false;
  }

  // Show the Continue button and give it the focus, unless the person is busy elsewhere.
  offerContinue(label) {
    this.showContinue(label);
    const active = document.activeElement;
    if (!active || active === document.body || this.el.controls.contains(active)) {
      this.el.cont.focus();
    }
  }

  hideContinue() {
    hideKeepingFocus(this.el.cont, this.el.pause);
  }

  // The captions: the current part in the panel, and highlighted in the script.
  highlight(index) {
    this.parts.forEach((part, i) => {
      if (i === index) part.el.setAttribute('aria-current', 'step');
      else part.el.removeAttribute('aria-current');
    });
    const part = this.parts[index];
    if (!part) return;
    this.el.nowLabel.textContent = `${part.title} \u00b7 part ${index + 1} of ${this.parts.length}`;
    this.el.nowText.textContent = part.text;
  }

  // ---- recording panel -------------------------------------------------------------------

  showRecording(pauseSeconds, maxSeconds) {
    this.el.recordingHint.textContent = pauseSeconds
      ? `When you have finished, stay quiet for ${pauseSeconds} seconds, or press Done answering.`
      : 'Long answer: take your time, and press Done answering when you have finished.';
    this.el.maxTime.textContent = formatDuration(maxSeconds);
    this.el.elapsed.textContent = '0:00';
    this.setLevel(0);
    this.el.recording.hidden = false;
  }

  hideRecording() {
    hideKeepingFocus(this.el.recording, this.el.pause);
  }

  setLevel(value) {
    this.el.level.value = value;
    this.el.level.textContent = `${Math.round(value * 100)}%`;
  }

  setElapsed(seconds) {
    this.el.elapsed.textContent = formatTime(seconds);
  }

  // ---- answers ---------------------------------------------------------------------------

  showAnswer(record, entry) {
    const part = this.parts.find((p) => p.id === record.prompt);
    this.el.answerQuestion.textContent = part ? `${part.title}: ${part.text}` : '';
    this.el.answerText.textContent = entry.transcript ?? record.text ?? '';
    this.el.answer.hidden = false;
  }

  typedSlot(promptId) {
    return $(`[data-typed-slot="${promptId}"]`);
  }

  // Open a prompt's typed-answer form and put the cursor in it; null when there is none.
  openTypedForm(promptId) {
    const slot = this.typedSlot(promptId);
    const form = slot && $('form', slot);
    if (!form) return null;
    const details = form.closest('details');
    if (details) details.open = true;
    const field = $('textarea, input[type="text"]', form);
    field?.focus();
    field?.scrollIntoView({ block: 'center', behavior: reducedMotion() ? 'auto' : 'smooth' });
    return form;
  }

  // A line above a typed-answer form, saying why it opened (empty text hides it).
  slotNote(promptId, text) {
    const slot = this.typedSlot(promptId);
    if (!slot) return;
    let note = $('.slot-note', slot);
    if (!note) {
      note = document.createElement('p');
      note.className = 'slot-note';
      slot.prepend(note);
    }
    note.textContent = text;
    note.hidden = !text;
  }
}
