// @ts-check
// The answer turns of a session: speaking (tone, recording, then the upload or a voice command)
// and typing. A turn never changes the session: it returns an outcome, and the session
// (flow.js) decides what happens next.

import { abortError, sleep, uuid, within } from './dom.js';
import { STORED } from './outbox.js';
import { MicrophoneError, openMicrophone, pickMimeType, Recording } from './recorder.js';
import { attach, clientIdFor, finishLive, handOver, startLive, TIMESLICE_MS } from './stream.js';
import { audioContext, reminderTone, softTone } from './tones.js';

const COMMAND_MAX_SPEECH_S = 2.5; // a command is a word or two
const COMMAND_MAX_TOTAL_S = 12;
const SETTLE_WAIT_MS = 30000; // then move on; the outbox keeps trying in the background
export const LISTEN_ONLY_PAUSE_MS = 4000; // a moment to think when answering is not possible
export const BEAT_MS = 3000; // quiet after an answer is saved, before the next part
const LISTEN_WHILE_PAUSED_S = 90; // how long a pause by silence listens for "resume"
const LISTEN_END_PAUSE_S = 1.5; // quiet that ends what was said while paused
/** Quiet that saves an answer clearly heard (longer than any command) before the person's
 * whole pause has passed; the turn still listens to the end of that pause, and anything more
 * said goes into the same answer (see recordAnswer). */
export const EARLY_SAVE_S = 1.5;

/**
 * What a turn may use; `onRecording`, `waitForTyped` and `waitForButton` are the session's.
 * @typedef {object} TurnContext
 * @property {import('./view.js').SessionView} view
 * @property {import('./outbox.js').Outbox} outbox
 * @property {{user: string, stage: string, maxSeconds: number, reminderSeconds: number,
 *   giveUpSeconds: number}} cfg
 * @property {{pauseSeconds: number|null, giveUpSeconds?: number|null}} prefs
 * @property {(recording: Recording|null) => void} onRecording the recording Done may finish
 * @property {(prompt: string) => Promise<void>} waitForTyped until that typed answer is saved
 * @property {() => Promise<void>} waitForButton until Continue is pressed
 * @property {(result: import('./recorder.js').RecordingResult,
 *   replaces?: Promise<Outcome>|null) => void} [keep] a left turn's words: sent as the
 *   answer though the session has moved on (replacing the part of it saved early)
 * @property {(recording: Recording) => void} [remind] nothing heard for a while
 * @property {(saved: Promise<Outcome>) => void} [track] an answer saved early, whose turn was
 *   left before it ended: what became of it
 * @property {{id: string, title: string}} [part] the question of the turn
 */

/**
 * How a turn ended.
 * @typedef {{kind: 'recorded', result: import('./recorder.js').RecordingResult,
 *     replaces?: Promise<Outcome>|null}
 *   | {kind: 'saved-early', saved: Promise<Outcome>}
 *   | {kind: 'no-speech'}
 *   | {kind: 'mic-failed'}
 *   | {kind: 'command', command: string}
 *   | {kind: 'saved', entry: object, savedAt?: number}
 *   | {kind: 'not-saved'}
 *   | {kind: 'kept'}
 *   | {kind: 'typed'}
 *   | {kind: 'no-form'}
 *   | {kind: 'retry-mic'}} Outcome
 *
 * recorded: an answer to send (sendAnswer), replacing the part of it saved early if any;
 * saved-early: the answer was saved early and nothing was said after it (its outcome, to
 * come); no-speech: nothing was said for a long while;
 * mic-failed: the microphone could not start (the error is shown); command: a voice command
 * instead of an answer; saved: in the journal (the server's 2xx, at `savedAt`, on the
 * performance.now() clock; the transcript follows); not-saved:
 * held or refused (the outbox's events told the person); kept: still on its way after a
 * while, kept on this device; typed: a typed answer is in the journal; no-form: typing is not
 * possible here; retry-mic: the person asked to try the microphone again.
 */

/**
 * @param {AbortSignal} signal
 * @returns {Promise<never>}
 */
function aborted(signal) {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => reject(abortError()), { once: true });
  });
}

/**
 * The tone, then a recording until the person has answered (or asked to stop).
 * @param {TurnContext} ctx
 * @param {AbortSignal} signal
 * @param {{id: string}|null} [part] the question: its answer is streamed while spoken
 * @returns {Promise<Outcome>}
 */
export async function recordAnswer(ctx, signal, part = null) {
  const { view, cfg } = ctx;
  await softTone(signal);
  let stream;
  try {
    stream = await openMicrophone();
  } catch (error) {
    if (signal.aborted) throw error;
    view.showError(error instanceof MicrophoneError ? error.message : String(error));
    return { kind: 'mic-failed' };
  }
  if (signal.aborted) {
    for (const track of stream.getTracks()) track.stop();
    throw abortError();
  }
  view.clearError();
  const pauseSeconds = ctx.prefs.pauseSeconds;
  view.showRecording(pauseSeconds, cfg.maxSeconds);
  view.announce('Recording. Listening for your answer.');
  /** @type {import('./stream.js').LiveStream|null} */
  let live = null;
  const question = ctx.part ?? part ?? { id: '' };
  /** @type {Promise<Outcome>|null} */
  let savedEarly = null;
  const recording = new Recording(stream, audioContext(), {
    timesliceMs: TIMESLICE_MS,
    onChunk: (blob) => live?.push(blob),
    serverEndsTurn: () => Boolean(live?.healthy),
    pauseSeconds,
    // A clearly heard answer is saved after a shorter quiet; the turn listens on.
    settleSeconds: pauseSeconds && pauseSeconds > EARLY_SAVE_S ? EARLY_SAVE_S : null,
    settleAfterSpeechS: COMMAND_MAX_SPEECH_S,
    onSettle: (early) => {
      // The answer so far is saved: through its stream when that is healthy (its entry
      // then needs only the last words transcribed), else as a whole file.
      live = handOver(live, early);
      savedEarly = sendAnswer(ctx, question, early);
    },
    onResume: () => {
      view.announce('Still recording: go on. What you add is saved with this answer.');
    },
    // Stop a second early: the server refuses anything longer than the limit.
    maxSeconds: Math.max(1, cfg.maxSeconds - 1),
    reminderSeconds: cfg.reminderSeconds,
    // The person's choice (null: never), else the server's default.
    giveUpSeconds:
      ctx.prefs.giveUpSeconds === undefined ? cfg.giveUpSeconds : ctx.prefs.giveUpSeconds,
    onLevel: (value) => view.setLevel(value),
    onTick: (seconds) => view.setElapsed(seconds),
    onReminder: () => {
      if (ctx.remind) return ctx.remind(recording);
      reminderTone();
      view.announce('Still recording. Answer when you are ready, or say \u201cskip\u201d.');
    },
  });
  const end = () => recording.stop('silence');
  live = part ? startLive(ctx, part, pickMimeType() ?? '', end, pauseSeconds) : null;
  ctx.onRecording(recording);
  const result = await recording.start();
  ctx.onRecording(null);
  view.hideRecording();
  attach(result, live);
  const early = /** @type {Promise<Outcome>|null} */ (savedEarly);
  // Saved early and nothing said since: that is the answer (what followed was quiet).
  const earlyIsAll = early !== null && !recording.resumedAfterEarly;
  if (early && result.reason === 'cancel') dropEarly(ctx, early); // Record again: not kept
  // Left after speaking (Skip, Repeat, Play from here): the words go on as the answer (its
  // stream is finished by sendAnswer like any other's).
  const left = result.reason === 'left' && Boolean(result.blob);
  const kept = left && !earlyIsAll && Boolean(ctx.keep);
  if (left) {
    if (earlyIsAll) ctx.track?.(early);
    else ctx.keep?.(result, early);
  }
  // A stream that no answer will finish (the early save is the answer, or there is none) is
  // closed now, not left for the server's idle sweep to make an interrupted entry of.
  const ended = ['cancel', 'left', 'no-speech'].includes(result.reason);
  const answered = kept || (!signal.aborted && !ended);
  if (earlyIsAll || !answered) live?.discard();
  if (signal.aborted || result.reason === 'cancel' || result.reason === 'left') {
    throw abortError();
  }
  if (result.reason === 'no-speech') return { kind: 'no-speech' };
  if (earlyIsAll) return { kind: 'saved-early', saved: early };
  return { kind: 'recorded', result, replaces: early };
}

/**
 * The part of an answer saved early, once the whole answer (or the person's Record again) has
 * made it redundant: deleted from the journal after it was saved. Should that fail, both stay
 * in the journal; nothing is lost.
 * @param {TurnContext} ctx
 * @param {Promise<Outcome>} early
 */
async function dropEarly(ctx, early) {
  const outcome = await early;
  if (outcome.kind === 'saved') {
    await ctx.outbox.deleteEntry(/** @type {{id: number}} */ (outcome.entry).id);
  }
}

/**
 * Paused because nothing was heard: listen (on this device; nothing is sent until someone
 * speaks) for a while. A word or two goes to the server as a possible command ("resume");
 * anything longer is the person's answer, and is kept as one.
 * @param {TurnContext} ctx
 * @param {AbortSignal} signal
 * @returns {Promise<Outcome>}
 */
export async function listenWhilePaused(ctx, signal) {
  let stream;
  try {
    stream = await openMicrophone();
  } catch {
    return { kind: 'mic-failed' };
  }
  if (signal.aborted) {
    for (const track of stream.getTracks()) track.stop();
    throw abortError();
  }
  ctx.view.showListening(true);
  const recording = new Recording(stream, audioContext(), {
    pauseSeconds: LISTEN_END_PAUSE_S,
    maxSeconds: Math.max(1, ctx.cfg.maxSeconds - 1),
    reminderSeconds: 0,
    giveUpSeconds: LISTEN_WHILE_PAUSED_S,
  });
  const stop = () => recording.leave();
  signal.addEventListener('abort', stop, { once: true });
  let result;
  try {
    result = await recording.start();
  } finally {
    signal.removeEventListener('abort', stop);
    ctx.view.showListening(false);
  }
  if (result.reason === 'left' && result.blob) ctx.keep?.(result);
  if (signal.aborted) throw abortError();
  if (!result.blob || !result.spoke) {
    ctx.view.announce('Stopped listening. Press Resume when you are ready.');
    return { kind: 'no-speech' };
  }
  return sendAnswer(ctx, ctx.part ?? { id: '' }, result, signal);
}

/**
 * Send a recorded answer through the outbox and wait a while for what became of it.
 * @param {TurnContext} ctx
 * @param {{id: string}} part
 * @param {import('./recorder.js').RecordingResult} result
 * @param {AbortSignal} [signal]
 * @param {Promise<Outcome>|null} [replaces] the part of this answer saved early: deleted
 *   once the whole is saved
 * @returns {Promise<Outcome>}
 */
export async function sendAnswer(ctx, part, result, signal = undefined, replaces = null) {
  const { view, cfg, outbox } = ctx;
  if (result.reason === 'limit') {
    view.note = `Your answer reached the longest length allowed.`;
  }
  const record = {
    client_id: clientIdFor(result) ?? uuid(),
    user: cfg.user,
    stage: cfg.stage,
    prompt: part.id,
    blob: result.blob,
    type: result.type,
    seconds: result.seconds,
    created: Date.now(),
    // A short answer may be a voice command: the outbox asks the server before saving it.
    maybeCommand:
      result.speechSeconds <= COMMAND_MAX_SPEECH_S && result.seconds <= COMMAND_MAX_TOTAL_S,
  };
  // The turn is over once the server has the answer (its 2xx): the transcript follows in
  // the background (the outbox's events show it), and the beat need not wait for it.
  const outcome = outbox.settle(record.client_id, STORED);
  // Streamed while spoken: only the finish is left; else (or if it fails) the whole file.
  if (!(await finishLive(result, outbox, record))) await outbox.add(record);
  const settled = await within(outcome, SETTLE_WAIT_MS, { kind: 'waiting' }, signal);
  if (settled.kind === 'command') return { kind: 'command', command: settled.command };
  if (settled.kind === 'waiting') return { kind: 'kept' };
  if (settled.kind === 'saved') {
    if (replaces) dropEarly(ctx, replaces).catch(() => {});
    return { kind: 'saved', entry: settled.entry, savedAt: performance.now() };
  }
  return { kind: 'not-saved' };
}

/**
 * Typing an answer instead: open the prompt's form and wait until it is in the journal (or,
 * when the microphone failed, until the person asks to try it again).
 * @param {TurnContext} ctx
 * @param {{id: string, title: string}} part
 * @param {AbortSignal} signal
 * @param {{micFailed?: boolean}} [options]
 * @returns {Promise<Outcome>}
 */
export async function typedTurn(ctx, part, signal, { micFailed = false } = {}) {
  const { view } = ctx;
  if (!view.openTypedForm(part.id)) {
    view.announce('Typing an answer needs an account: sign in to answer.');
    await sleep(LISTEN_ONLY_PAUSE_MS, signal);
    return { kind: 'no-form' };
  }
  view.slotNote(
    part.id,
    micFailed
      ? 'The microphone is not available (see the message above the controls): ' +
          'type your answer here instead.'
      : '',
  );
  /** @type {Promise<Outcome>[]} */
  const waits = [aborted(signal), ctx.waitForTyped(part.id).then(() => ({ kind: 'typed' }))];
  if (micFailed) {
    view.showContinue('Try the microphone again');
    waits.push(ctx.waitForButton().then(() => ({ kind: 'retry-mic' })));
  } else {
    view.announce(`Type your answer to ${part.title} and press its button to save it.`);
  }
  const outcome = await Promise.race(waits);
  // Not on abort: the step that replaced this one may be showing its own Continue by then.
  view.hideContinue();
  return outcome;
}
