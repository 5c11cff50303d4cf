// @ts-check
// What the session shows: the live region, alerts, captions, the recording panel, the last
// transcript, and the typed-answer forms. No flow logic here.

import { Announcer } from './announcer.js';
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
 * @property {string} [audioUnanswered] the closing's variant for a stage left unanswered
 * @property {string} [textUnanswered]
 * @property {HTMLElement} el
 */

/**
 * What the end of a stage says (Session.ending).
 * @typedef {object} Ending
 * @property {boolean} signedIn
 * @property {number} total questions in the stage
 * @property {number} answered questions with an answer in the journal
 * @property {string[]} onTheirWay questions whose answer is kept on this device, not yet sent
 * @property {{title: string, index: number}[]} missing questions without an answer
 * @property {string} [nextUrl]
 * @property {string} [nextTitle]
 * @property {string} [loginUrl]
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
      recordingLabel: el('recording-label'),
      answer: el('answer'),
      answerQuestion: el('answer-question'),
      answerText: el('answer-text'),
      answerActions: el('answer-actions'),
      answerEdit: el('answer-edit'),
      answerField: /** @type {HTMLTextAreaElement} */ (el('answer-field')),
      skipQuestion: el('skip-question-button'),
      done: el('done-button'),
      listening: el('listening'),
      ending: el('ending'),
      handsFree: /** @type {HTMLInputElement} */ (el('hands-free')),
      pauseSeconds: /** @type {HTMLSelectElement} */ (el('pause-seconds')),
      giveUp: /** @type {HTMLSelectElement} */ (el('give-up-seconds')),
      spokenCue: /** @type {HTMLInputElement} */ (el('spoken-cue')),
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
      audioUnanswered: li.dataset.audioUnanswered,
      textUnanswered: li.dataset.textUnanswered,
      el: li,
    }));
    this.note = ''; // said before the next announcement (what a voice command did)
    this.canAnswer = false; // signed in: the question controls are offered
    this.announcer = new Announcer((text) => {
      this.el.status.textContent = text;
      this.keepLiveClear();
    });
  }

  show() {
    this.root.hidden = false;
    document.documentElement.classList.add('has-session');
    for (const button of $$('.play-from')) button.hidden = false;
  }

  // ---- announcements ---------------------------------------------------------------------

  // Queue an announcement for the live region (never overwriting one not yet said); a
  // pending note goes first.
  /** @param {string} text */
  announce(text) {
    const note = this.note;
    this.note = '';
    // What is happening now is tagged: a newer one replaces it while it waits in the queue.
    const now = /^(Playing|Recording|Paused|Uploading)\b/.test(text);
    this.announcer.say(note ? `${note} ${text}` : text, now && !note ? { tag: 'now' } : {});
  }

  /** Resolves when what is queued now has been said (the beat waits for "Saved"). */
  saidSoFar() {
    return this.announcer.saidSoFar();
  }

  /** @param {string} title a part whose narration is still being made on the server */
  showPreparing(title) {
    this.announce(`${title} is still being prepared: its words are shown. It plays in a moment.`);
    this.el.nowLabel.dataset.preparing = 'true';
  }

  /** @param {string} text the words of what is playing, when they differ from the script */
  showText(text) {
    this.el.nowText.textContent = text;
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
    this.keepLiveClear();
  }

  // Phone: the control bar sticks to the bottom of the screen, lifted over what comes before
  // it; the live line ("Playing: ...") and the part being played are kept clear of it.
  keepLiveClear() {
    const bar = this.el.controls;
    if (bar.hidden || getComputedStyle(bar).position !== 'sticky') return;
    const live = {
      top: this.el.status.getBoundingClientRect().top,
      bottom: this.el.now.getBoundingClientRect().bottom,
    };
    const by = clearOfBar(live, bar.getBoundingClientRect(), window.innerHeight);
    if (by > 0) window.scrollBy({ top: by, behavior: 'instant' });
  }

  /** @param {{part: Part|null, time: number}} progress where this browser stopped */
  showProgress({ part, time }) {
    if (part) {
      const at = time > 3 ? ` (${formatTime(time)} in)` : '';
      this.el.resumeNote.textContent = `You stopped at ${part.title}${at}. Start session goes on from there.`;
      this.el.resumeNote.hidden = false;
      this.el.restart.hidden = false;
    }
  }

  /**
   * The end of the stage: only what happened. Complete means every question has an answer
   * in the journal (the server's word); otherwise it names what is missing and offers it.
   * @param {Ending} ending
   */
  showEnding(ending) {
    this.highlight(-1);
    this.el.controls.hidden = true;
    this.el.now.hidden = true;
    this.el.begin.hidden = false;
    this.el.restart.hidden = true;
    const { text, offer } = endingText(ending);
    const note = this.el.completeNote;
    note.textContent = text;
    const actions = this.el.ending;
    actions.replaceChildren();
    if (offer) {
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.action = 'answer-missing';
      button.dataset.index = String(offer.index);
      button.textContent = `Answer ${offer.title} now`;
      actions.append(button);
    }
    if (!ending.signedIn && ending.loginUrl) {
      const link = document.createElement('a');
      link.href = ending.loginUrl;
      link.textContent = 'Sign in to answer';
      actions.append(link);
    }
    if (ending.nextUrl) {
      const link = document.createElement('a');
      link.href = ending.nextUrl;
      link.textContent = `Next stage: ${ending.nextTitle}`;
      actions.append(link);
    }
    actions.hidden = !actions.childElementCount;
    note.hidden = false;
    this.announce(text);
    note.setAttribute('tabindex', '-1');
    note.focus();
  }

  setPaused(paused) {
    this.el.pause.textContent = paused ? 'Resume' : 'Pause';
  }

  /** @param {boolean} paused the recording is held (Pause during an answer) */
  setRecordingPaused(paused) {
    this.el.recording.classList.toggle('held', paused);
    this.el.recordingLabel.textContent = paused ? 'Recording paused' : 'Recording';
  }

  /** @param {boolean} on the microphone listens for "resume" while paused */
  showListening(on) {
    this.el.listening.hidden = !on;
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
    this.el.skipQuestion.hidden = !(part?.kind === 'prompt' && this.canAnswer);
    delete this.el.nowLabel.dataset.preparing;
    if (!part) return;
    this.el.nowLabel.textContent = `${part.title} \u00b7 part ${index + 1} of ${this.parts.length}`;
    this.el.nowText.textContent = part.text;
    this.keepLiveClear();
  }

  // ---- recording panel -------------------------------------------------------------------

  showRecording(pauseSeconds, maxSeconds) {
    this.el.recordingHint.textContent = pauseSeconds
      ? `When you have finished, stay quiet for ${pauseSeconds} seconds, or press Done answering.`
      : 'Long answer: take your time, and press Done answering when you have finished.';
    this.el.maxTime.textContent = formatDuration(maxSeconds);
    this.el.elapsed.textContent = '0:00';
    this.setLevel(0);
    this.setRecordingPaused(false);
    this.el.recording.hidden = false;
    this.el.done.hidden = false;
    this.keepLiveClear(); // the bar grew by Done answering
  }

  hideRecording() {
    hideKeepingFocus(this.el.done, this.el.pause);
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

  /**
   * The transcript card: the saved answer, with Edit, Record again and Read it back.
   * @param {{prompt: string, text?: string}} record
   * @param {{id: number, transcript?: string|null}} entry
   */
  showAnswer(record, entry) {
    const part = this.parts.find((p) => p.id === record.prompt);
    this.el.answerQuestion.textContent = part ? `${part.title}: ${part.text}` : '';
    this.el.answerText.textContent = entry.transcript ?? record.text ?? '';
    this.el.answer.dataset.entry = String(entry.id);
    this.el.answer.dataset.prompt = record.prompt;
    for (const hint of $$('.answer-which', this.el.answer)) {
      hint.textContent = part ? `: ${part.title}` : '';
    }
    this.closeEdit();
    this.el.answerActions.hidden = !entry.transcript && !record.text;
    this.el.answer.hidden = false;
  }

  openEdit() {
    this.el.answerField.value = this.el.answerText.textContent ?? '';
    this.el.answerEdit.hidden = false;
    this.el.answerActions.hidden = true;
    this.el.answerField.focus();
  }

  closeEdit() {
    const hadFocus = this.el.answerEdit.contains(document.activeElement);
    this.el.answerEdit.hidden = true;
    this.el.answerActions.hidden = false;
    if (hadFocus) $('[data-action="edit-answer"]', this.el.answer)?.focus();
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

/**
 * How far to scroll down so that the live block (the live line to the end of the part being
 * played) is clear of a bar stuck over the bottom of the screen; 0 when nothing of it is
 * covered, or when it is not on the screen (the person scrolled elsewhere). Never so far that
 * the live line itself goes off the top.
 * @param {{top: number, bottom: number}} live viewport coordinates
 * @param {{top: number, bottom: number}} bar
 * @param {number} viewportHeight
 * @param {number} [margin] px kept between them
 */
export function clearOfBar(live, bar, viewportHeight, margin = 8) {
  const covered = live.bottom + margin - bar.top;
  if (covered <= 0 || bar.top >= viewportHeight || live.top >= viewportHeight) return 0;
  return Math.max(0, Math.min(covered, live.top - margin));
}

/**
 * The words of an ending, and the missing question to offer.
 * @param {Ending} ending
 * @returns {{text: string, offer: {title: string, index: number}|null}}
 */
export function endingText({ signedIn, total, answered, onTheirWay, missing }) {
  if (!signedIn) {
    return {
      text:
        'End of the stage: you listened to every part. Answering needs an account; ' +
        'sign in to answer these questions and keep your answers in a private journal.',
      offer: null,
    };
  }
  const waiting = onTheirWay.length
    ? ` Your answer to ${listOf(onTheirWay)} is kept on this device and will be sent as soon as possible.`
    : '';
  if (!missing.length && !onTheirWay.length) {
    const all = total === 1 ? 'the question' : `all ${total} questions`;
    return {
      text: `Stage complete: you answered ${all}, and your answers are in your journal.`,
      offer: null,
    };
  }
  const offer = missing[0] ?? null;
  const none = !answered && !onTheirWay.length;
  const gap =
    missing.length && !none
      ? ` ${listOf(missing.map((m) => m.title))} ${missing.length === 1 ? 'has' : 'have'} no answer yet.`
      : '';
  const start = answered
    ? `End of the stage. You answered ${answered} of ${total} questions.`
    : total === 1
      ? 'End of the stage. The question has no answer yet, and that is all right: it is here when you are ready.'
      : `End of the stage. None of the ${total} questions has an answer yet, and that is all right: they are here when you are ready.`;
  return { text: `${start}${gap}${waiting}`, offer };
}

/** @param {string[]} items */
function listOf(items) {
  if (items.length < 2) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
