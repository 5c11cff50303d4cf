// The guided session on a stage page: narration, a soft tone, a recording turn, the upload,
// the transcript, the next part; hands-free by default. See the contract, "The guided
// session page". Plain ES modules, no build step; nothing runs until Start is pressed.

import { $, $$, csrfToken, hideKeepingFocus, isAbort, reducedMotion, sleep, within } from './js/dom.js';
import { formatDuration, formatTime } from './js/dom.js';
import { bindShortcuts } from './js/keys.js';
import { setUpMicCheck } from './js/miccheck.js';
import { Outbox } from './js/outbox.js';
import { NarrationPlayer, RATES } from './js/player.js';
import { load, loadPrefs, save, savePrefs } from './js/prefs.js';
import { MicrophoneError, openMicrophone, Recording } from './js/recorder.js';
import { audioContext, reminderTone, softTone, unlockAudio } from './js/tones.js';

const COMMAND_MAX_SPEECH_S = 2.5; // a command is one or two words
const COMMAND_MAX_TOTAL_S = 12;
const SETTLE_WAIT_MS = 30000; // then move on; the outbox keeps trying in the background
const LISTEN_ONLY_PAUSE_MS = 4000; // signed out: a moment to think about each question

class Session {
  constructor(root) {
    this.root = root;
    const data = root.dataset;
    this.cfg = {
      program: data.program,
      stage: data.stage,
      signedIn: data.signedIn === 'true',
      maxSeconds: Number(data.maxRecordingSeconds) || 600,
      reminderSeconds: Number(data.reminderSeconds) || 20,
      giveUpSeconds: Number(data.giveUpSeconds) || 30,
      loginUrl: data.loginUrl,
      nextUrl: data.nextUrl,
      nextTitle: data.nextTitle,
    };
    this.parts = $$('.parts > li.part').map((li) => ({
      id: li.dataset.part,
      kind: li.dataset.kind,
      audio: li.dataset.audio,
      title: li.dataset.title,
      text: $('.part-text', li).textContent.trim(),
      el: li,
    }));
    const el = (id) => document.getElementById(id);
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
      speed: el('speed'),
      recording: el('recording'),
      elapsed: el('elapsed'),
      maxTime: el('max-time'),
      level: el('level'),
      recordingHint: el('recording-hint'),
      answer: el('answer'),
      answerQuestion: el('answer-question'),
      answerText: el('answer-text'),
      handsFree: el('hands-free'),
      pauseSeconds: el('pause-seconds'),
      shortcuts: el('shortcuts-on'),
    };
    this.player = new NarrationPlayer(el('narration'));
    this.outbox = new Outbox({ entriesUrl: data.entriesUrl, commandsUrl: data.commandsUrl });
    this.prefsUrl = data.preferencesUrl;
    this.prefs = loadPrefs(data.preferences ? JSON.parse(data.preferences) : {});
    this.progressKey = `progress:${this.cfg.program}:${this.cfg.stage}`;
    this.completeKey = `complete:${this.cfg.program}:${this.cfg.stage}`;
    this.state = 'idle'; // idle, playing, answering, typing, waiting, paused, done
    this.index = 0;
    this.step = null;
    this.recording = null;
    this.pausedAt = null;
    this.continueWaiter = null;
    this.typedWaiter = null;
    this.note = ''; // said before the next announcement (what a voice command did)
  }

  // ---- set-up --------------------------------------------------------------------------

  setUp() {
    this.root.hidden = false;
    document.documentElement.classList.add('has-session');
    for (const button of $$('.play-from')) button.hidden = false;
    this.applyPrefs();
    this.el.maxTime.textContent = formatDuration(this.cfg.maxSeconds);
    this.showProgressNotes();
    this.wireControls();
    this.wireOutbox();
    this.wireTypedForms();
    setUpMicCheck(this.root, {
      announce: (text) => this.announce(text),
      showError: (text) => this.showError(text),
      clearError: () => this.clearError(),
      firstVisit: !load('mic-checked', false),
    });
    bindShortcuts(
      {
        p: () => this.togglePause(),
        s: () => this.skip(),
        n: () => this.next(),
        r: () => this.repeat(),
        b: () => this.back(),
        '-': () => this.changeRate(-1),
        '+': () => this.changeRate(1),
        '=': () => this.changeRate(1),
        d: () => this.recording?.finish(),
        t: () => this.typeInstead(),
        h: () => this.setHandsFree(!this.prefs.handsFree),
      },
      () => this.prefs.shortcuts,
    );
    this.player.audio.addEventListener('timeupdate', () => this.saveProgressThrottled());
    window.addEventListener('pagehide', () => this.saveProgress());
    if (this.cfg.signedIn) this.outbox.resendAll();
  }

  applyPrefs() {
    const p = this.prefs;
    const rate = RATES.includes(p.rate) ? p.rate : 1;
    this.el.speed.value = String(rate);
    this.player.setRate(rate);
    this.el.handsFree.checked = p.handsFree;
    this.el.pauseSeconds.value = p.pauseSeconds === null ? 'off' : String(p.pauseSeconds);
    if (!this.el.pauseSeconds.value) this.el.pauseSeconds.value = '3';
    this.el.shortcuts.checked = p.shortcuts;
  }

  savePrefs(change) {
    Object.assign(this.prefs, change);
    savePrefs(this.prefs, change, { url: this.prefsUrl, token: csrfToken });
  }

  wireControls() {
    const actions = {
      start: () => this.start(),
      restart: () => this.start({ fromBeginning: true }),
      pause: () => this.togglePause(),
      back: () => this.back(),
      skip: () => this.skip(),
      repeat: () => this.repeat(),
      continue: () => this.next(),
      done: () => this.recording?.finish(),
      rerecord: () => this.rerecord(),
      type: () => this.typeInstead(),
    };
    this.root.addEventListener('click', (event) => {
      const button = event.target.closest('button[data-action]');
      if (button && actions[button.dataset.action]) actions[button.dataset.action]();
    });
    for (const button of $$('.play-from')) {
      button.addEventListener('click', () => {
        const index = this.parts.findIndex((p) => p.id === button.dataset.part);
        this.start({ at: index });
      });
    }
    this.el.speed.addEventListener('change', () => {
      const rate = Number(this.el.speed.value);
      this.player.setRate(rate);
      this.savePrefs({ rate });
    });
    this.el.handsFree.addEventListener('change', () => this.setHandsFree(this.el.handsFree.checked));
    this.el.pauseSeconds.addEventListener('change', () => {
      const value = this.el.pauseSeconds.value;
      this.savePrefs({ pauseSeconds: value === 'off' ? null : Number(value) });
    });
    this.el.shortcuts.addEventListener('change', () => {
      this.savePrefs({ shortcuts: this.el.shortcuts.checked });
    });
  }

  showProgressNotes() {
    const done = load(this.completeKey, null);
    if (done) {
      const when = new Date(done).toLocaleDateString();
      this.el.completeNote.textContent = `You completed this stage on ${when}. You can go through it again at any time.`;
      this.el.completeNote.hidden = false;
    }
    const progress = load(this.progressKey, null);
    const part = progress && this.parts[progress.index];
    if (part && (progress.index > 0 || progress.time > 3)) {
      const at = progress.time > 3 ? ` (${formatTime(progress.time)} in)` : '';
      this.el.resumeNote.textContent = `You stopped at ${part.title}${at}. Start session goes on from there.`;
      this.el.resumeNote.hidden = false;
      this.el.restart.hidden = false;
    }
  }

  // ---- announcements -------------------------------------------------------------------

  // Update the live region; a pending note (what a voice command did) goes first.
  announce(text) {
    const note = this.note;
    this.note = '';
    this.el.status.textContent = note ? `${note} ${text}` : text;
  }

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

  // ---- the flow --------------------------------------------------------------------------

  async start({ fromBeginning = false, at = null } = {}) {
    await unlockAudio();
    this.el.begin.hidden = true;
    this.el.resumeNote.hidden = true;
    this.el.controls.hidden = false;
    this.el.now.hidden = false;
    this.el.pause.focus();
    let index = 0;
    let startAt = 0;
    const progress = load(this.progressKey, null);
    if (at !== null) index = at;
    else if (!fromBeginning && progress && this.parts[progress.index]) {
      index = progress.index;
      startAt = progress.time || 0;
    }
    this.goTo(index, { startAt });
  }

  goTo(index, options = {}) {
    this.cancelStep();
    this.index = index;
    this.pausedAt = null;
    this.setPauseLabel(false);
    this.step = new AbortController();
    const signal = this.step.signal;
    this.run(index, options, signal).catch((error) => {
      if (isAbort(error)) return;
      console.error(error);
      this.showError(`Something went wrong: ${error.message}. Press Resume to try again.`);
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
    hideKeepingFocus(this.el.recording, this.el.pause);
    hideKeepingFocus(this.el.cont, this.el.pause);
  }

  async run(index, { startAt = 0, phase = 'narration', explicit = false }, signal) {
    if (index >= this.parts.length) return this.complete();
    const part = this.parts[index];
    this.highlight(index);
    this.saveProgress(startAt);
    if (phase === 'narration') {
      this.state = 'playing';
      this.announce(`Playing: ${part.title}`);
      try {
        await this.player.play(part.audio, { startAt, signal });
      } catch (error) {
        if (isAbort(error)) throw error;
        this.showError(
          'The narration for this part could not be played. Its words are shown above. ' +
            'Press Resume to try again, or Skip to go on.',
        );
        return this.pauseAt(index, 'narration');
      }
      phase = 'answer';
    }
    if (part.kind === 'prompt' && phase !== 'after') {
      if (!this.cfg.signedIn) {
        this.announce(`Listening only: sign in to answer. ${part.title} is a moment to think.`);
        await sleep(LISTEN_ONLY_PAUSE_MS, signal);
      } else {
        if (phase === 'answer' && !this.prefs.handsFree && !explicit) {
          await this.waitForContinue('Record answer', 'answer-wait', signal);
        }
        const handled =
          phase === 'type' ? await this.typedTurn(part, signal) : await this.answerTurn(part, signal);
        if (handled) return;
      }
    }
    if (!this.prefs.handsFree && index < this.parts.length - 1) {
      await this.waitForContinue('Continue', 'after', signal);
    }
    this.goTo(index + 1);
  }

  // The recording turn. Returns true when the session was moved elsewhere (a command, a pause).
  async answerTurn(part, signal) {
    this.state = 'answering';
    await softTone(signal);
    let stream;
    try {
      stream = await openMicrophone();
    } catch (error) {
      if (signal.aborted) throw error;
      this.showError(error instanceof MicrophoneError ? error.message : String(error));
      return this.typedTurn(part, signal, { micFailed: true });
    }
    if (signal.aborted) {
      for (const track of stream.getTracks()) track.stop();
      throw new DOMException('cancelled', 'AbortError');
    }
    this.clearError();
    const pauseSeconds = this.prefs.pauseSeconds;
    this.el.recordingHint.textContent = pauseSeconds
      ? `When you have finished, stay quiet for ${pauseSeconds} seconds, or press Done answering.`
      : 'Long answer: take your time, and press Done answering when you have finished.';
    this.el.elapsed.textContent = '0:00';
    this.el.level.value = 0;
    this.el.recording.hidden = false;
    this.announce('Recording. Listening for your answer.');
    const recording = new Recording(stream, audioContext(), {
      pauseSeconds,
      // Stop a second early: the server refuses anything longer than the limit.
      maxSeconds: Math.max(1, this.cfg.maxSeconds - 1),
      reminderSeconds: this.cfg.reminderSeconds,
      giveUpSeconds: this.cfg.giveUpSeconds,
      onLevel: (value) => {
        this.el.level.value = value;
        this.el.level.textContent = `${Math.round(value * 100)}%`;
      },
      onTick: (seconds) => {
        this.el.elapsed.textContent = formatTime(seconds);
      },
      onReminder: () => {
        reminderTone();
        this.announce('Still recording. Answer when you are ready, or say \u201cskip\u201d.');
      },
    });
    this.recording = recording;
    const result = await recording.start();
    if (this.recording === recording) this.recording = null;
    hideKeepingFocus(this.el.recording, this.el.pause);
    if (signal.aborted || result.reason === 'cancel') throw new DOMException('cancelled', 'AbortError');
    this.state = 'sending';
    if (result.reason === 'no-speech') {
      this.pauseAt(this.index, 'answer');
      this.announce('Paused: nothing was heard for a while. Press Resume when you are ready to answer.');
      return true;
    }
    if (result.reason === 'limit') {
      this.note = `Your answer reached the longest length, ${formatDuration(this.cfg.maxSeconds)}.`;
    }
    const record = {
      client_id: crypto.randomUUID(),
      stage: this.cfg.stage,
      prompt: part.id,
      blob: result.blob,
      type: result.type,
      seconds: result.seconds,
      created: Date.now(),
      maybeCommand:
        result.speechSeconds <= COMMAND_MAX_SPEECH_S && result.seconds <= COMMAND_MAX_TOTAL_S,
    };
    return this.submit(record, part, signal);
  }

  // Send an answer (spoken or typed) and wait for its outcome; act on a voice command.
  async submit(record, part, signal) {
    const outcome = this.outbox.settle(record.client_id);
    await this.outbox.add(record);
    const result = await within(outcome, SETTLE_WAIT_MS, { kind: 'waiting' }, signal);
    if (result.kind === 'command') return this.command(result.command);
    if (result.kind === 'waiting') {
      this.announce('Your answer is kept on this device and will be sent as soon as possible.');
    }
    return false;
  }

  command(name) {
    const index = this.index;
    this.note = `Voice command: ${name}.`;
    if (name === 'repeat') this.goTo(index);
    else if (name === 'next') this.goTo(index + 1);
    else if (name === 'pause') this.pauseAt(index, 'answer');
    else if (name === 'slower' || name === 'faster') {
      this.changeRate(name === 'slower' ? -1 : 1);
      this.goTo(index);
    } else return false;
    return true;
  }

  // Typing an answer instead: open the prompt's form and wait until it is sent.
  async typedTurn(part, signal, { micFailed = false } = {}) {
    this.state = 'typing';
    const form = this.openTypedForm(part);
    if (!form) {
      this.announce('Typing needs an account: sign in to answer.');
      await sleep(LISTEN_ONLY_PAUSE_MS, signal);
      return false;
    }
    this.slotNote(part, micFailed ? 'The microphone is not available (see the message above the controls): type your answer here instead.' : '');
    if (micFailed) this.showContinue('Try the microphone again');
    else this.announce(`Type your answer to ${part.title} and press its button to save it.`);
    const sent = new Promise((resolve) => {
      this.typedWaiter = { prompt: part.id, resolve };
    });
    const waitAbort = new Promise((_, reject) => {
      signal.addEventListener('abort', () => reject(new DOMException('cancelled', 'AbortError')), {
        once: true,
      });
    });
    const choice = await Promise.race([sent, waitAbort, this.continuePromise(micFailed, signal)]);
    hideKeepingFocus(this.el.cont, this.el.pause);
    if (choice === 'retry-mic') {
      this.goTo(this.index, { phase: 'answer', explicit: true });
      return true;
    }
    return false;
  }

  continuePromise(enabled, signal) {
    if (!enabled) return new Promise(() => {});
    return new Promise((resolve) => {
      this.continueWaiter = () => resolve('retry-mic');
      signal.addEventListener('abort', () => resolve('aborted'), { once: true });
    });
  }

  openTypedForm(part) {
    const slot = $(`[data-typed-slot="${part.id}"]`);
    const form = slot && $('form', slot);
    if (!form) return null;
    const details = form.closest('details');
    if (details) details.open = true;
    const field = $('textarea, input[type="text"]', form);
    field?.focus();
    field?.scrollIntoView({ block: 'center', behavior: reducedMotion() ? 'auto' : 'smooth' });
    return form;
  }

  // A line above a typed-answer form, saying why it opened.
  slotNote(part, text) {
    const slot = $(`[data-typed-slot="${part.id}"]`);
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

  showContinue(label) {
    this.el.cont.textContent = label;
    this.el.cont.hidden = false;
  }

  waitForContinue(label, phase, signal) {
    this.state = 'waiting';
    this.waitPhase = phase;
    this.showContinue(label);
    this.announce(`Press ${label} when you are ready.`);
    const active = document.activeElement;
    if (!active || active === document.body || this.el.controls.contains(active)) this.el.cont.focus();
    return new Promise((resolve, reject) => {
      this.continueWaiter = () => {
        hideKeepingFocus(this.el.cont, this.el.pause);
        resolve();
      };
      signal.addEventListener(
        'abort',
        () => reject(new DOMException('cancelled', 'AbortError')),
        { once: true },
      );
    });
  }

  complete() {
    this.state = 'done';
    this.highlight(-1);
    save(this.progressKey, null);
    save(this.completeKey, new Date().toISOString());
    this.el.controls.hidden = true;
    this.el.now.hidden = true;
    this.el.begin.hidden = false;
    this.el.restart.hidden = true;
    this.el.completeNote.textContent = this.cfg.signedIn
      ? 'Stage complete. Well done: your answers are in your journal.'
      : 'Stage complete. Sign in next time to keep your answers in a journal.';
    if (this.cfg.nextUrl) {
      const link = document.createElement('a');
      link.href = this.cfg.nextUrl;
      link.textContent = `Next stage: ${this.cfg.nextTitle}`;
      this.el.completeNote.append(' ', link);
    }
    this.el.completeNote.hidden = false;
    this.announce('Stage complete.');
    this.el.completeNote.setAttribute('tabindex', '-1');
    this.el.completeNote.focus();
  }

  // ---- controls --------------------------------------------------------------------------

  togglePause() {
    if (this.state === 'paused') this.resume();
    else this.pause();
  }

  pause() {
    if (this.state === 'idle' || this.state === 'done' || this.state === 'paused') return;
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
    this.setPauseLabel(true);
    this.announce('Paused. Press Resume to go on.');
    this.saveProgress();
  }

  pauseAt(index, phase) {
    this.cancelStep();
    this.index = index;
    this.pausedAt = { index, phase };
    this.state = 'paused';
    this.setPauseLabel(true);
    this.announce('Paused. Press Resume to go on.');
  }

  resume() {
    const at = this.pausedAt ?? { index: this.index, phase: 'narration' };
    this.clearError();
    if (at.phase === 'live') {
      this.state = 'playing';
      this.pausedAt = null;
      this.setPauseLabel(false);
      this.announce(`Playing: ${this.parts[this.index].title}`);
      this.player.resume();
    } else if (at.phase === 'answer-wait') {
      this.goTo(at.index, { phase: 'answer' });
    } else {
      this.goTo(at.index, { phase: at.phase, explicit: true });
    }
  }

  setPauseLabel(paused) {
    this.el.pause.textContent = paused ? 'Resume' : 'Pause';
  }

  skip() {
    if (this.state === 'idle' || this.state === 'done') return;
    this.goTo(this.index + 1);
  }

  next() {
    if (this.continueWaiter) this.continueWaiter();
    else this.skip();
  }

  repeat() {
    if (this.state === 'idle' || this.state === 'done') return;
    this.goTo(this.index);
  }

  back() {
    if (this.state === 'playing' || this.pausedAt?.phase === 'live') this.player.back(10);
  }

  rerecord() {
    if (this.state !== 'answering') return;
    this.goTo(this.index, { phase: 'answer', explicit: true });
  }

  typeInstead() {
    const part = this.parts[this.index];
    if (this.state === 'idle' || this.state === 'done' || part.kind !== 'prompt') {
      const first = this.parts.find((p) => p.kind === 'prompt');
      if (this.state === 'idle' && first) this.openTypedForm(first);
      return;
    }
    this.goTo(this.index, { phase: 'type' });
  }

  changeRate(direction) {
    const at = RATES.indexOf(this.player.rate);
    const rate = RATES[Math.min(RATES.length - 1, Math.max(0, (at < 0 ? 1 : at) + direction))];
    this.player.setRate(rate);
    this.el.speed.value = String(rate);
    this.savePrefs({ rate });
    this.announce(`Speed ${rate}\u00d7`);
  }

  setHandsFree(on) {
    this.el.handsFree.checked = on;
    this.savePrefs({ handsFree: on });
    this.announce(on ? 'Hands-free on.' : 'Hands-free off: press Continue after each part.');
  }

  // ---- captions and progress -------------------------------------------------------------

  highlight(index) {
    this.parts.forEach((part, i) => {
      if (i === index) part.el.setAttribute('aria-current', 'step');
      else part.el.removeAttribute('aria-current');
    });
    const part = this.parts[index];
    if (!part) return;
    const count = this.parts.length;
    this.el.nowLabel.textContent = `${part.title} \u00b7 part ${index + 1} of ${count}`;
    this.el.nowText.textContent = part.text;
  }

  saveProgress(time = null) {
    if (this.state === 'idle' || this.state === 'done') return;
    const at = time ?? (this.state === 'playing' || this.pausedAt?.phase === 'live' ? this.player.position : 0);
    save(this.progressKey, { index: this.index, time: Math.floor(at) });
  }

  saveProgressThrottled() {
    const now = Date.now();
    if (now - (this.lastSaved ?? 0) < 2000) return;
    this.lastSaved = now;
    this.saveProgress();
  }

  // ---- answers ---------------------------------------------------------------------------

  wireOutbox() {
    const ours = (event) => event.detail.record.stage === this.cfg.stage;
    const box = this.outbox;
    box.addEventListener('checking', () => this.announce('Uploading your answer\u2026'));
    box.addEventListener('uploading', () => this.announce('Uploading your answer\u2026'));
    box.addEventListener('retrying', (event) => {
      const seconds = Math.round(event.detail.delay / 1000);
      this.announce(
        `Could not reach the server. Your answer is kept on this device; trying again in ${seconds} s.`,
      );
    });
    box.addEventListener('saved', (event) => {
      this.announce(event.detail.record.blob ? 'Saved. Making the transcript\u2026' : 'Saved.');
    });
    box.addEventListener('transcript', (event) => {
      if (ours(event)) this.showAnswer(event.detail.record, event.detail.entry);
      this.announce('Transcript ready. Saved to your journal.');
    });
    box.addEventListener('failed', (event) => {
      const reason = event.detail.entry.error || 'the words could not be made out';
      this.showError(
        `Your recording is saved in your journal, but no transcript was made (${reason}). ` +
          'You can listen to it and try again from your journal, or record this answer again.',
      );
    });
    box.addEventListener('refused', (event) => {
      this.showError(
        `Your answer could not be saved: ${event.detail.error || 'the server refused it'} ` +
          'Please record it again or type it instead.',
      );
    });
    box.addEventListener('held', (event) => {
      if (event.detail.status === 401) {
        this.showError(
          'You are signed out, so your answer could not be sent. It is kept on this device ' +
            'and is sent when you come back to a stage page after signing in.',
          { link: { href: this.cfg.loginUrl, text: 'Sign in' } },
        );
      } else {
        this.showError(
          'Your answer could not be sent because this page has expired. It is kept on this ' +
            'device: reload the page and it is sent again.',
        );
      }
    });
  }

  showAnswer(record, entry) {
    const part = this.parts.find((p) => p.id === record.prompt);
    this.el.answerQuestion.textContent = part ? `${part.title}: ${part.text}` : '';
    this.el.answerText.textContent = entry.transcript ?? record.text ?? '';
    this.el.answer.hidden = false;
  }

  // The typed-answer forms (one per prompt, working without JavaScript): with JavaScript they
  // send through the outbox, so that the session can go on after them.
  wireTypedForms() {
    for (const slot of $$('[data-typed-slot]')) {
      const form = $('form', slot);
      if (form) {
        form.addEventListener('submit', (event) => this.onTypedSubmit(event, form, slot.dataset.typedSlot));
      }
    }
  }

  async onTypedSubmit(event, form, prompt) {
    event.preventDefault();
    const field = $('textarea[name="text"], input[name="text"], textarea', form);
    const text = field?.value.trim() ?? '';
    if (!text) {
      this.showError('Type an answer first, then save it.');
      field?.focus();
      return;
    }
    this.clearError();
    const record = {
      client_id: crypto.randomUUID(),
      stage: this.cfg.stage,
      prompt,
      text,
      created: Date.now(),
    };
    const outcome = this.outbox.settle(record.client_id);
    await this.outbox.add(record);
    const result = await outcome;
    if (result.kind === 'transcript') {
      field.value = '';
      this.slotNote({ id: prompt }, '');
      if (this.typedWaiter?.prompt === prompt) {
        this.typedWaiter.resolve('sent');
        this.typedWaiter = null;
      }
    }
  }
}

const root = document.getElementById('session');
if (root) new Session(root).setUp();
