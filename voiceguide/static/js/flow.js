// @ts-check
// The session's flow: part after part, with pause, skip, repeat and resume. One step runs at
// a time; moving anywhere aborts the step in progress (its AbortSignal) and starts another.
//
// The session's state changes only through js/states.js (the table of allowed moves); the
// answer turns (js/turns.js) return an outcome, which the session acts upon here.
// Phases of a step: narration (play the part), answer (record), type, after (move on).

import { abortError, isAbort, sleep } from './dom.js';
import { load, save, stepRate } from './prefs.js';
import { isRunning, move } from './states.js';
import { unlockAudio } from './tones.js';
import { LISTEN_ONLY_PAUSE_MS, recordAnswer, sendAnswer, typedTurn } from './turns.js';

/** @typedef {import('./states.js').State} State */
/** @typedef {import('./states.js').Move} Move */
/** @typedef {import('./turns.js').Outcome} Outcome */
/** @typedef {'narration'|'answer'|'type'|'after'} Phase */

/**
 * What the session reads from the page (session.js, readConfig).
 * @typedef {object} SessionConfig
 * @property {string} program
 * @property {string} stage
 * @property {boolean} signedIn
 * @property {string} user
 * @property {number} maxSeconds
 * @property {number} reminderSeconds
 * @property {number} giveUpSeconds
 * @property {import('./prefs.js').Choices} choices
 * @property {string} [nextUrl]
 * @property {string} [nextTitle]
 */

export class Session {
  /**
   * @param {object} deps
   * @param {SessionConfig} deps.cfg
   * @param {import('./view.js').SessionView} deps.view
   * @param {import('./player.js').NarrationPlayer} deps.player
   * @param {import('./outbox.js').Outbox} deps.outbox
   * @param {import('./prefs.js').Prefs} deps.prefs
   * @param {(change: Partial<import('./prefs.js').Prefs>) => void} deps.savePrefs
   */
  constructor({ cfg, view, player, outbox, prefs, savePrefs }) {
    this.cfg = cfg;
    this.view = view;
    this.player = player;
    this.outbox = outbox;
    this.prefs = prefs;
    this.savePrefs = savePrefs;
    this.parts = view.parts;
    // Per person too: two people may share a browser.
    this.progressKey = `progress:${cfg.user}:${cfg.program}:${cfg.stage}`;
    this.completeKey = `complete:${cfg.user}:${cfg.program}:${cfg.stage}`;
    /** @type {State} */
    this.state = 'idle';
    this.index = 0;
    /** @type {AbortController|null} */
    this.step = null;
    /** @type {import('./recorder.js').Recording|null} */
    this.recording = null;
    /** @type {{index: number, phase: Phase|'live'|'answer-wait'}|null} */
    this.pausedAt = null;
    /** @type {'answer-wait'|'after'|null} what Continue leads to while waiting */
    this.waitPhase = null;
    /** @type {(() => void)|null} */
    this.continueWaiter = null;
    /** @type {{prompt: string, resolve: () => void}|null} */
    this.typedWaiter = null;
    this.lastSaved = 0;
  }

  /**
   * The one place the state changes: by a move the table allows (states.js).
   * @param {Move} event
   */
  moveBy(event) {
    this.state = move(this.state, event);
  }

  // Where the person left off last time (this browser), for the notes above Start.
  savedProgress() {
    const progress = load(this.progressKey, null);
    const part = progress && this.parts[progress.index];
    const started = part && (progress.index > 0 || progress.time > 3);
    return {
      part: started ? part : null,
      time: started ? progress.time : 0,
      completedAt: load(this.completeKey, null),
    };
  }

  // Called from a click: the first play() happens before any await, inside the gesture, so
  // that strict browsers (Safari) allow it; the one <audio> element then stays allowed.
  /** @param {{fromBeginning?: boolean, at?: number|null}} [options] */
  start({ fromBeginning = false, at = null } = {}) {
    unlockAudio();
    this.view.showRunning();
    const progress = load(this.progressKey, null);
    if (at !== null) return this.goTo(at);
    if (!fromBeginning && progress && this.parts[progress.index]) {
      return this.goTo(progress.index, { startAt: progress.time || 0 });
    }
    this.goTo(0);
  }

  /**
   * @param {number} index
   * @param {{startAt?: number, phase?: Phase, explicit?: boolean}} [options]
   */
  goTo(index, options = {}) {
    this.cancelStep();
    this.index = index;
    this.pausedAt = null;
    this.view.setPaused(false);
    this.step = new AbortController();
    this.run(index, options, this.step.signal).catch((error) => {
      if (isAbort(error)) return;
      console.error(error);
      this.view.showError(`Something went wrong: ${error.message}. Press Resume to try again.`);
      this.pauseAt(index, 'narration');
    });
  }

  cancelStep() {
    this.step?.abort();
    this.step = null;
    this.recording?.cancel();
    this.recording = null;
    this.player.stop();
    this.continueWaiter = null;
    this.typedWaiter = null;
    this.view.hideRecording();
    this.view.hideContinue();
  }

  /**
   * @param {number} index
   * @param {{startAt?: number, phase?: Phase, explicit?: boolean}} options
   * @param {AbortSignal} signal
   */
  async run(index, { startAt = 0, phase = 'narration', explicit = false }, signal) {
    if (index >= this.parts.length) return this.complete();
    const part = this.parts[index];
    this.view.highlight(index);
    this.saveProgress(startAt);
    if (phase === 'narration') {
      this.moveBy('play');
      this.view.announce(`Playing: ${part.title}`);
      try {
        await this.player.play(part.audio, { startAt, signal });
      } catch (error) {
        if (isAbort(error)) throw error;
        this.view.showError(
          'The narration for this part could not be played. Its words are shown above. ' +
            'Press Resume to try again, or Skip to go on.',
        );
        return this.pauseAt(index, 'narration');
      }
      phase = 'answer';
    }
    if (part.kind === 'prompt' && phase !== 'after') {
      if (!this.cfg.signedIn) {
        this.view.announce(
          `Listening only: sign in to answer. ${part.title} is a moment to think.`,
        );
        await sleep(LISTEN_ONLY_PAUSE_MS, signal);
      } else {
        if (phase === 'answer' && !this.prefs.handsFree && !explicit) {
          await this.waitForContinue('Record answer', 'answer-wait', signal);
        }
        const outcome = await this.answer(part, phase === 'type' ? 'type' : 'answer', signal);
        if (this.actOn(outcome)) return;
      }
    }
    if (!this.prefs.handsFree && index < this.parts.length - 1) {
      await this.waitForContinue('Continue', 'after', signal);
    }
    this.goTo(index + 1);
  }

  /**
   * A question's answer turn, spoken or typed, to its outcome.
   * @param {{id: string, title: string}} part
   * @param {'answer'|'type'} phase
   * @param {AbortSignal} signal
   * @returns {Promise<Outcome>}
   */
  async answer(part, phase, signal) {
    const ctx = this.turnContext(signal);
    if (phase === 'answer') {
      this.moveBy('listen');
      const recorded = await recordAnswer(ctx, signal, part);
      if (recorded.kind === 'recorded') {
        this.moveBy('send');
        return sendAnswer(ctx, part, recorded.result, signal);
      }
      if (recorded.kind !== 'mic-failed') return recorded;
    }
    this.moveBy('type');
    const typed = await typedTurn(ctx, part, signal, { micFailed: phase === 'answer' });
    this.typedWaiter = null;
    this.continueWaiter = null;
    return typed;
  }

  /**
   * What a turn may use; a turn from a step that was moved away from changes nothing.
   * @param {AbortSignal} signal
   * @returns {import('./turns.js').TurnContext}
   */
  turnContext(signal) {
    return {
      view: this.view,
      outbox: this.outbox,
      cfg: this.cfg,
      prefs: this.prefs,
      onRecording: (recording) => {
        if (!signal.aborted) this.recording = recording;
      },
      waitForTyped: (prompt) =>
        new Promise((resolve) => {
          this.typedWaiter = { prompt, resolve: () => resolve() };
        }),
      waitForButton: () =>
        new Promise((resolve) => {
          this.continueWaiter = () => resolve();
        }),
    };
  }

  /**
   * Act on a turn's outcome; true when the session moved elsewhere (a command, a pause).
   * @param {Outcome} outcome
   */
  actOn(outcome) {
    switch (outcome.kind) {
      case 'no-speech':
        this.pauseAt(this.index, 'answer');
        this.view.announce(
          'Paused: nothing was heard for a while. Press Resume when you are ready to answer.',
        );
        return true;
      case 'command':
        return this.command(outcome.command);
      case 'retry-mic':
        this.goTo(this.index, { phase: 'answer', explicit: true });
        return true;
      case 'kept':
        this.view.announce(
          'Your answer is kept on this device and will be sent as soon as possible.',
        );
        return false;
      default:
        // saved, not-saved (the outbox's events said why), typed, no-form: go on.
        return false;
    }
  }

  // Hands-free off: wait for Continue (or Record answer) before going on.
  /**
   * @param {string} label
   * @param {'answer-wait'|'after'} phase
   * @param {AbortSignal} signal
   * @returns {Promise<void>}
   */
  waitForContinue(label, phase, signal) {
    this.moveBy('wait');
    this.waitPhase = phase;
    this.view.offerContinue(label);
    this.view.announce(`Press ${label} when you are ready.`);
    return new Promise((resolve, reject) => {
      this.continueWaiter = () => {
        this.view.hideContinue();
        resolve();
      };
      signal.addEventListener('abort', () => reject(abortError()), { once: true });
    });
  }

  /**
   * A voice command heard instead of an answer; false when it is not one we know.
   * @param {string} name
   */
  command(name) {
    const index = this.index;
    this.view.note = `Voice command: ${name}.`;
    if (name === 'repeat') this.goTo(index);
    else if (name === 'next') this.goTo(index + 1);
    else if (name === 'pause') this.pauseAt(index, 'answer');
    else if (name === 'slower' || name === 'faster') {
      this.changeRate(name === 'slower' ? -1 : 1);
      this.goTo(index);
    } else return false;
    return true;
  }

  // A typed answer reached the journal: the typing turn for that prompt is over.
  /** @param {string} prompt */
  typedAnswerSent(prompt) {
    if (this.typedWaiter?.prompt === prompt) this.typedWaiter.resolve();
  }

  complete() {
    this.moveBy('finish');
    save(this.progressKey, null);
    save(this.completeKey, new Date().toISOString());
    this.view.showComplete(this.cfg);
  }

  // ---- controls ------------------------------------------------------------------------

  get running() {
    return isRunning(this.state);
  }

  togglePause() {
    if (this.state === 'paused') this.resume();
    else this.pause();
  }

  pause() {
    if (!this.running || this.state === 'paused') return;
    if (this.state === 'playing') {
      this.player.pause();
      this.pausedAt = { index: this.index, phase: 'live' };
    } else {
      // Where Resume picks up: an interrupted recording starts again; a sent answer is kept.
      const phases = { answering: 'answer', sending: 'after', typing: 'type' };
      const phase = this.state === 'waiting' ? this.waitPhase : phases[this.state];
      const index = this.index;
      this.cancelStep();
      this.pausedAt = { index, phase };
    }
    this.moveBy('pause');
    this.view.setPaused(true);
    this.view.announce('Paused. Press Resume to go on.');
    this.saveProgress();
  }

  /**
   * @param {number} index
   * @param {Phase} phase
   */
  pauseAt(index, phase) {
    this.cancelStep();
    this.index = index;
    this.pausedAt = { index, phase };
    this.moveBy('pause');
    this.view.setPaused(true);
    this.view.announce('Paused. Press Resume to go on.');
  }

  resume() {
    const at = this.pausedAt ?? { index: this.index, phase: 'narration' };
    this.view.clearError();
    if (at.phase === 'live') {
      this.moveBy('resume');
      this.pausedAt = null;
      this.view.setPaused(false);
      this.view.announce(`Playing: ${this.parts[this.index].title}`);
      this.player.resume();
    } else if (at.phase === 'answer-wait') {
      this.goTo(at.index, { phase: 'answer' });
    } else {
      this.goTo(at.index, { phase: at.phase, explicit: true });
    }
  }

  skip() {
    if (this.running) this.goTo(this.index + 1);
  }

  next() {
    if (this.continueWaiter) this.continueWaiter();
    else this.skip();
  }

  repeat() {
    if (this.running) this.goTo(this.index);
  }

  back() {
    if (this.state === 'playing' || this.pausedAt?.phase === 'live') this.player.back(10);
  }

  finishAnswer() {
    this.recording?.finish();
  }

  rerecord() {
    if (this.state === 'answering') this.goTo(this.index, { phase: 'answer', explicit: true });
  }

  typeInstead() {
    const part = this.parts[this.index];
    if (this.running && part.kind === 'prompt') return this.goTo(this.index, { phase: 'type' });
    if (!this.running) {
      const first = this.parts.find((p) => p.kind === 'prompt');
      if (first) this.view.openTypedForm(first.id);
    }
  }

  /** @param {number} direction -1 slower, +1 faster */
  changeRate(direction) {
    const rate = stepRate(this.cfg.choices.rates, this.player.rate, direction);
    if (rate === undefined) return;
    this.setRate(rate);
    this.view.announce(`Speed ${rate}\u00d7`);
  }

  /** @param {number} rate */
  setRate(rate) {
    this.player.setRate(rate);
    this.view.el.speed.value = String(rate);
    this.savePrefs({ rate });
  }

  /** @param {boolean} on */
  setHandsFree(on) {
    this.view.el.handsFree.checked = on;
    this.savePrefs({ handsFree: on });
    this.view.announce(on ? 'Hands-free on.' : 'Hands-free off: press Continue after each part.');
  }

  // ---- progress (this browser) ---------------------------------------------------------

  /** @param {number|null} [time] */
  saveProgress(time = null) {
    if (!this.running) return;
    const live = this.state === 'playing' || this.pausedAt?.phase === 'live';
    const at = time ?? (live ? this.player.position : 0);
    save(this.progressKey, { index: this.index, time: Math.floor(at) });
  }

  saveProgressThrottled() {
    const now = Date.now();
    if (now - this.lastSaved < 2000) return;
    this.lastSaved = now;
    this.saveProgress();
  }
}
