// @ts-check
// The session's flow: part after part, with pause, skip, repeat and resume. One step runs at
// a time; moving anywhere aborts the step in progress (its AbortSignal) and starts another.
//
// States: idle, playing, answering, sending, typing, waiting, paused, done.
// Phases of a step: narration (play the part), answer (record), type, after (move on).

import { abortError, isAbort, sleep } from './dom.js';
import { RATES } from './player.js';
import { load, save } from './prefs.js';
import { unlockAudio } from './tones.js';
import { answerTurn, LISTEN_ONLY_PAUSE_MS, typedTurn } from './turns.js';

export class Session {
  constructor({ cfg, view, player, outbox, prefs, savePrefs }) {
    Object.assign(this, { cfg, view, player, outbox, prefs, savePrefs });
    this.parts = view.parts;
    // Per person too: two people may share a browser.
    this.progressKey = `progress:${cfg.user}:${cfg.program}:${cfg.stage}`;
    this.completeKey = `complete:${cfg.user}:${cfg.program}:${cfg.stage}`;
    this.state = 'idle';
    this.index = 0;
    this.step = null;
    this.recording = null;
    this.pausedAt = null;
    this.continueWaiter = null;
    this.typedWaiter = null;
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

  async run(index, { startAt = 0, phase = 'narration', explicit = false }, signal) {
    if (index >= this.parts.length) return this.complete();
    const part = this.parts[index];
    if (!this.running) this.state = 'playing';
    this.view.highlight(index);
    this.saveProgress(startAt);
    if (phase === 'narration') {
      this.state = 'playing';
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
        const turn = phase === 'type' ? typedTurn : answerTurn;
        if (await turn(this, part, signal)) return;
      }
    }
    if (!this.prefs.handsFree && index < this.parts.length - 1) {
      await this.waitForContinue('Continue', 'after', signal);
    }
    this.goTo(index + 1);
  }

  // Hands-free off: wait for Continue (or Record answer) before going on.
  waitForContinue(label, phase, signal) {
    this.state = 'waiting';
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

  // A voice command heard instead of an answer.
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
  typedAnswerSent(prompt) {
    if (this.typedWaiter?.prompt === prompt) this.typedWaiter.resolve();
  }

  complete() {
    this.state = 'done';
    save(this.progressKey, null);
    save(this.completeKey, new Date().toISOString());
    this.view.showComplete(this.cfg);
  }

  // ---- controls ------------------------------------------------------------------------

  get running() {
    return this.state !== 'idle' && this.state !== 'done';
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
    this.state = 'paused';
    this.view.setPaused(true);
    this.view.announce('Paused. Press Resume to go on.');
    this.saveProgress();
  }

  pauseAt(index, phase) {
    this.cancelStep();
    this.index = index;
    this.pausedAt = { index, phase };
    this.state = 'paused';
    this.view.setPaused(true);
    this.view.announce('Paused. Press Resume to go on.');
  }

  resume() {
    const at = this.pausedAt ?? { index: this.index, phase: 'narration' };
    this.view.clearError();
    if (at.phase === 'live') {
      this.state = 'playing';
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

  changeRate(direction) {
    const at = RATES.indexOf(this.player.rate);
    const rate = RATES[Math.min(RATES.length - 1, Math.max(0, (at < 0 ? 1 : at) + direction))];
    this.setRate(rate);
    this.view.announce(`Speed ${rate}\u00d7`);
  }

  setRate(rate) {
    this.player.setRate(rate);
    this.view.el.speed.value = String(rate);
    this.savePrefs({ rate });
  }

  setHandsFree(on) {
    this.view.el.handsFree.checked = on;
    this.savePrefs({ handsFree: on });
    this.view.announce(on ? 'Hands-free on.' : 'Hands-free off: press Continue after each part.');
  }

  // ---- progress (this browser) ---------------------------------------------------------

  saveProgress(time = null) {
    if (!this.running) return;
    const live = this.state === 'playing' || this.pausedAt?.phase === 'live';
    const at = time ?? (live ? this.player.position : 0);
    save(this.progressKey, { index: this.index, time: Math.floor(at) });
  }

  saveProgressThrottled() {
    const now = Date.now();
    if (now - (this.lastSaved ?? 0) < 2000) return;
    this.lastSaved = now;
    this.saveProgress();
  }
}
