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
import {
  BEAT_MS,
  LISTEN_ONLY_PAUSE_MS,
  listenWhilePaused,
  recordAnswer,
  sendAnswer,
  typedTurn,
} from './turns.js';

/** @typedef {import('./states.js').State} State */
/** @typedef {import('./states.js').Move} Move */
/** @typedef {import('./turns.js').Outcome} Outcome */
/** @typedef {'narration'|'readback'|'answer'|'type'|'after'} Phase */

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
 * @property {string[]} [answered] the stage's questions with an answer in the journal (server)
 * @property {string} [progressUrl] GET: the journal's progress, per stage
 * @property {string} [entriesUrl]
 * @property {string} [loginUrl]
 * @property {string} [nextUrl]
 * @property {string} [nextTitle]
 */

/**
 * The stage's questions with an answer in the journal, from the server; null when it cannot
 * be asked (offline, signed out since).
 * @param {string} url
 * @param {string} stage
 * @returns {Promise<string[]|null>}
 */
async function fetchAnswered(url, stage) {
  try {
    const response = await fetch(url, {
      headers: { Accept: 'application/json' },
      credentials: 'same-origin',
    });
    if (!response.ok) return null;
    const body = await response.json();
    const found = body.stages?.find((/** @type {{id: string}} */ s) => s.id === stage);
    return found ? found.answered_prompts : null;
  } catch {
    return null;
  }
}

/**
 * What the session needs of the read-back player (js/readback.js ReadBackPlayer).
 * @typedef {object} ReadBack
 * @property {(url: string, options?: {signal?: AbortSignal}) => Promise<void>} play
 * @property {() => void} pause
 * @property {() => void} resume
 * @property {() => void} stop
 * @property {boolean} playing
 */

/** @type {ReadBack} */
const NO_READBACK = {
  play: async () => {},
  pause: () => {},
  resume: () => {},
  stop: () => {},
  playing: false,
};

export class Session {
  /**
   * @param {object} deps
   * @param {SessionConfig} deps.cfg
   * @param {import('./view.js').SessionView} deps.view
   * @param {import('./player.js').NarrationPlayer} deps.player
   * @param {import('./outbox.js').Outbox} deps.outbox
   * @param {import('./prefs.js').Prefs} deps.prefs
   * @param {(change: Partial<import('./prefs.js').Prefs>) => void} deps.savePrefs
   * @param {{play: (name: string) => Promise<void>}} [deps.cues] short spoken cues
   * @param {ReadBack} [deps.readback] plays an answer read back (js/readback.js)
   */
  constructor({
    cfg,
    view,
    player,
    outbox,
    prefs,
    savePrefs,
    cues = { play: async () => {} },
    readback = NO_READBACK,
  }) {
    this.cues = cues;
    this.readback = readback;
    this.cfg = cfg;
    this.view = view;
    this.player = player;
    this.outbox = outbox;
    this.prefs = prefs;
    this.savePrefs = savePrefs;
    this.parts = view.parts;
    // Per person too: two people may share a browser.
    this.progressKey = `progress:${cfg.user}:${cfg.program}:${cfg.stage}`;
    // Questions with an answer: in the journal when the page was made, and sent since.
    /** @type {Set<string>} */
    this.answered = new Set(cfg.answered ?? []);
    /** @type {Set<string>} answers on their way, kept on this device until the server has them */
    this.onTheirWay = new Set();
    /** @type {{id: number, prompt: string}|null} the last answer saved from this page */
    this.lastEntry = null;
    /** @type {AbortController|null} listening for "resume" while paused by silence */
    this.listening = null;
    /** @type {State} */
    this.state = 'idle';
    this.index = 0;
    /** @type {AbortController|null} */
    this.step = null;
    /** @type {import('./recorder.js').Recording|null} */
    this.recording = null;
    /** @type {{index: number, phase: Phase|'live'|'recording'|'answer-wait'}|null} */
    this.pausedAt = null;
    /** @type {'answer-wait'|'after'|null} what Continue leads to while waiting */
    this.waitPhase = null;
    /** @type {(() => void)|null} */
    this.continueWaiter = null;
    /** @type {{prompt: string, resolve: () => void}|null} */
    this.typedWaiter = null;
    this.lastSaved = 0;
    this.readingBack = false; // the step is reading the last answer back (a voice command)
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
    this.stopListening();
    // Never cancel() here: a turn left after the person spoke keeps what they said.
    this.recording?.leave();
    this.recording = null;
    this.view.setRecordingPaused(false);
    this.player.stop();
    this.readback.stop();
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
    if (phase === 'readback') {
      // "Read it back" said in an answer turn: the last answer, then the turn again.
      this.moveBy('play');
      await this.playReadBack(signal);
      phase = 'answer';
      explicit = true;
    }
    if (phase === 'narration') {
      this.moveBy('play');
      this.view.announce(`Playing: ${part.title}`);
      const variant = part.kind === 'closing' && this.unanswered() && part.audioUnanswered;
      if (variant) this.view.showText(part.textUnanswered ?? part.text);
      try {
        await this.player.play(variant || part.audio, {
          startAt,
          signal,
          onSlow: () => this.view.showPreparing(part.title),
        });
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
        // The beat: the server has the answer (its 2xx), the "saved" cue has sounded; a few
        // seconds of quiet before the next part, so that it does not rush in on the person's
        // last word. "Saved" is said within it; the transcript follows when it is ready.
        if (this.prefs.handsFree && index < this.parts.length - 1) {
          // From the cue: an answer saved early had part of its beat while the turn listened on.
          const savedAt = outcome.kind === 'saved' ? outcome.savedAt : undefined;
          const since = savedAt === undefined ? 0 : performance.now() - savedAt;
          const beat = Math.max(0, BEAT_MS - Math.min(since, BEAT_MS));
          await Promise.all([this.view.saidSoFar(), sleep(beat, signal)]);
          if (signal.aborted) throw abortError();
        }
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
    const ctx = this.turnContext(signal, part);
    if (phase === 'answer') {
      this.moveBy('listen');
      const recorded = await recordAnswer(ctx, signal, part);
      if (recorded.kind === 'recorded') {
        this.moveBy('send');
        return sendAnswer(ctx, part, recorded.result, signal, recorded.replaces);
      }
      if (recorded.kind === 'saved-early') {
        this.moveBy('send');
        return recorded.saved;
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
   * What a turn may use; a turn from a step that was moved away from changes nothing, but
   * what the person said in it is still kept (`keep`).
   * @param {AbortSignal} signal
   * @param {{id: string, title: string}} part
   * @returns {import('./turns.js').TurnContext}
   */
  turnContext(signal, part) {
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
      part,
      keep: (result, replaces) => this.keepLeftAnswer(part, result, replaces),
      track: (saved) => {
        this.onTheirWay.add(part.id);
        saved.then((outcome) => this.noteOutcome(part.id, outcome));
      },
      remind: (recording) => this.remind(recording),
    };
  }

  /**
   * An answer turn was left (Skip, Repeat, Play from here...) after the person had spoken:
   * what they said is their answer to that question, sent like any other.
   * @param {{id: string, title: string}} part
   * @param {import('./recorder.js').RecordingResult} result
   * @param {Promise<Outcome>|null} [replaces] its part saved early
   */
  keepLeftAnswer(part, result, replaces = null) {
    this.onTheirWay.add(part.id);
    this.view.note = `What you said is kept as your answer to ${part.title}.`;
    const ctx = this.turnContext(new AbortController().signal, part);
    sendAnswer(ctx, part, result, undefined, replaces).then(
      (outcome) => this.noteOutcome(part.id, outcome),
      (error) => console.error(error),
    );
  }

  /**
   * Remember what became of an answer (the ending and the closing variant rely on it).
   * @param {string} prompt
   * @param {Outcome} outcome
   */
  noteOutcome(prompt, outcome) {
    if (outcome.kind === 'saved' || outcome.kind === 'typed') {
      this.answered.add(prompt);
      this.onTheirWay.delete(prompt);
    } else if (outcome.kind === 'kept') this.onTheirWay.add(prompt);
    if (outcome.kind === 'saved') {
      this.lastEntry = { id: /** @type {{id: number}} */ (outcome.entry).id, prompt };
    }
  }

  // No answer heard for a while: a spoken reminder (the recording holds while it plays, so
  // that the reminder itself is never taken for the person's answer).
  /** @param {import('./recorder.js').Recording} recording */
  async remind(recording) {
    recording.pause();
    this.view.announce('Still recording. Answer when you are ready, or say \u201cskip\u201d.');
    try {
      await this.cues.play('reminder');
    } finally {
      if (this.state === 'answering') recording.resume();
    }
  }

  /** True when no question of this stage has an answer (the closing says so, kindly). */
  unanswered() {
    const prompts = this.parts.filter((p) => p.kind === 'prompt').map((p) => p.id);
    return !prompts.some((id) => this.answered.has(id) || this.onTheirWay.has(id));
  }

  /**
   * Act on a turn's outcome; true when the session moved elsewhere (a command, a pause).
   * @param {Outcome} outcome
   */
  actOn(outcome) {
    this.noteOutcome(this.parts[this.index].id, outcome);
    switch (outcome.kind) {
      case 'no-speech':
        this.pauseAt(this.index, 'answer');
        this.view.announce(
          'Paused: nothing was heard for a while. Say \u201cresume\u201d, or press Resume, ' +
            'when you are ready to answer.',
        );
        this.listenForResume();
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
    else if (name === 'resume' || name === 'answer') {
      this.goTo(index, { phase: 'answer', explicit: true });
    } else if (name === 'back') this.goTo(this.previousQuestion(index));
    else if (name === 'read-back') {
      if (this.lastEntry) this.goTo(index, { phase: 'readback' });
      else {
        this.view.note = 'There is no answer from this visit to read back yet.';
        this.goTo(index, { phase: 'answer', explicit: true });
      }
    } else if (name === 'slower' || name === 'faster') {
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

  /**
   * The question before the part at `index` (its first one: the part itself).
   * @param {number} index
   */
  previousQuestion(index) {
    for (let i = index - 1; i >= 0; i--) if (this.parts[i].kind === 'prompt') return i;
    return index;
  }

  async complete() {
    this.moveBy('finish');
    save(this.progressKey, null);
    const ending = await this.ending();
    if (this.state === 'done') this.view.showEnding(ending);
  }

  /**
   * What the end of the stage says: what was answered (the server's word when it can be
   * reached), what is still on its way, what is missing.
   * @returns {Promise<import('./view.js').Ending>}
   */
  async ending() {
    const { signedIn, nextUrl, nextTitle, loginUrl } = this.cfg;
    const prompts = this.parts
      .map((part, index) => ({ part, index }))
      .filter(({ part }) => part.kind === 'prompt');
    let answered = this.answered;
    if (signedIn && this.cfg.progressUrl) {
      const fromServer = await fetchAnswered(this.cfg.progressUrl, this.cfg.stage);
      if (fromServer) answered = new Set([...fromServer, ...this.answered]);
    }
    const onTheirWay = prompts.filter(
      ({ part }) => this.onTheirWay.has(part.id) && !answered.has(part.id),
    );
    const missing = prompts.filter(
      ({ part }) => !answered.has(part.id) && !this.onTheirWay.has(part.id),
    );
    return {
      signedIn,
      total: prompts.length,
      answered: prompts.length - missing.length - onTheirWay.length,
      onTheirWay: onTheirWay.map(({ part }) => part.title),
      missing: missing.map(({ part, index }) => ({ title: part.title, index })),
      nextUrl,
      nextTitle,
      loginUrl,
    };
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
      if (this.readingBack) this.readback.pause();
      else this.player.pause();
      this.pausedAt = { index: this.index, phase: 'live' };
    } else if (this.state === 'answering' && this.recording) {
      // The recording holds; Resume goes on with the same answer.
      this.recording.pause();
      this.view.setRecordingPaused(true);
      this.pausedAt = { index: this.index, phase: 'recording' };
      this.moveBy('pause');
      this.view.setPaused(true);
      this.view.announce('Paused. What you have said so far is kept: Resume goes on with it.');
      return;
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
    this.stopListening();
    const readingBack = at.phase === 'live' && this.readingBack;
    // A read-back from the transcript card stops: the session does not talk over it.
    if (!readingBack) this.readback.stop();
    if (at.phase === 'recording' && this.recording) {
      this.moveBy('listen');
      this.pausedAt = null;
      this.view.setPaused(false);
      this.view.setRecordingPaused(false);
      this.recording.resume();
      this.view.announce('Recording again: go on with your answer.');
    } else if (at.phase === 'live') {
      this.moveBy('resume');
      this.pausedAt = null;
      this.view.setPaused(false);
      if (readingBack) {
        this.view.announce('Reading your answer back.');
        this.readback.resume();
      } else {
        this.view.announce(`Playing: ${this.parts[this.index].title}`);
        this.player.resume();
      }
    } else if (at.phase === 'answer-wait' || at.phase === 'recording') {
      this.goTo(at.index, { phase: 'answer' });
    } else {
      this.goTo(at.index, { phase: at.phase, explicit: true });
    }
  }

  // Skip what is playing: a question's narration leads straight to its answer turn; anything
  // else (an intro, an answer turn, the wait after a question) moves on to the next part.
  skip() {
    if (!this.running) return;
    const part = this.parts[this.index];
    const narrating =
      this.state === 'playing' || (this.state === 'paused' && this.pausedAt?.phase === 'live');
    if (part.kind === 'prompt' && narrating && this.cfg.signedIn) {
      this.goTo(this.index, { phase: 'answer', explicit: true });
    } else this.skipQuestion();
  }

  // Move on without an answer; what was said in the turn so far is kept (cancelStep).
  skipQuestion() {
    if (!this.running) return;
    if (!this.recording?.spoke && this.parts[this.index].kind === 'prompt') {
      this.view.note = `${this.parts[this.index].title} skipped.`;
    }
    this.goTo(this.index + 1);
  }

  next() {
    if (this.continueWaiter) this.continueWaiter();
    else this.skip();
  }

  repeat() {
    if (this.running) this.goTo(this.index);
  }

  back() {
    if (this.readingBack) return; // a read-back streams as it is made: no going back
    if (this.state === 'playing' || this.pausedAt?.phase === 'live') this.player.back(10);
  }

  finishAnswer() {
    if (this.state === 'paused' && this.pausedAt?.phase === 'recording') this.resume();
    this.recording?.finish();
  }

  // Record again, pressed during a recording: the person chose to drop this take; say so.
  rerecord() {
    if (this.state !== 'answering' && this.pausedAt?.phase !== 'recording') return;
    const spoke = this.recording?.spoke;
    this.recording?.cancel();
    if (spoke) this.view.note = 'Starting again: that take is not kept.';
    this.goTo(this.index, { phase: 'answer', explicit: true });
  }

  /**
   * Answer a question again, from its transcript card: the earlier answer stays in the
   * journal, and the new one is added.
   * @param {string} prompt
   */
  answerAgain(prompt) {
    const index = this.parts.findIndex((p) => p.id === prompt);
    if (index < 0) return;
    unlockAudio();
    this.view.showRunning();
    this.view.note = 'Your earlier answer stays in your journal.';
    this.goTo(index, { phase: 'answer', explicit: true });
  }

  // The transcript card is used (Edit, Read it back): the session holds still meanwhile.
  holdForCard() {
    if (this.running && this.state !== 'paused') this.pause();
  }

  // ---- read it back and listening while paused -----------------------------------------

  /**
   * Play the last answer from this page, read by the narration voice.
   * @param {AbortSignal} signal
   */
  async playReadBack(signal) {
    if (!this.lastEntry || !this.cfg.entriesUrl) return;
    this.view.announce('Reading your answer back.');
    const url = `${this.cfg.entriesUrl}/${this.lastEntry.id}/speech`;
    this.readingBack = true;
    try {
      await this.readback.play(url, { signal });
    } catch (error) {
      if (isAbort(error)) throw error;
      this.view.showError('Your answer could not be read back just now. Its words are shown.');
    } finally {
      this.readingBack = false;
    }
  }

  // Paused because nothing was heard: listen a while for "resume" (the microphone on, and
  // the page says so); anything longer than a command is kept as the answer.
  listenForResume() {
    if (!this.cfg.signedIn) return;
    this.stopListening();
    const controller = new AbortController();
    this.listening = controller;
    const part = this.parts[this.index];
    const index = this.index;
    const ctx = this.turnContext(controller.signal, part);
    listenWhilePaused(ctx, controller.signal)
      .then((outcome) => {
        if (this.listening !== controller) return;
        this.listening = null;
        if (outcome.kind === 'command') this.command(outcome.command);
        else if (outcome.kind === 'saved' || outcome.kind === 'kept') {
          this.noteOutcome(part.id, outcome);
          this.goTo(index + 1);
        }
      })
      .catch((error) => {
        if (!isAbort(error)) console.error(error);
      });
  }

  stopListening() {
    this.listening?.abort();
    this.listening = null;
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
