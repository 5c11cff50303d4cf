// @ts-check
// The answer turns of a session: speaking (tone, recording, upload or voice command) and
// typing. Each returns true when it moved the session elsewhere itself (a command, a pause).

import { abortError, sleep, uuid, within } from './dom.js';
import { MicrophoneError, openMicrophone, Recording } from './recorder.js';
import { audioContext, reminderTone, softTone } from './tones.js';

const COMMAND_MAX_SPEECH_S = 2.5; // a command is a word or two
const COMMAND_MAX_TOTAL_S = 12;
const SETTLE_WAIT_MS = 30000; // then move on; the outbox keeps trying in the background
export const LISTEN_ONLY_PAUSE_MS = 4000; // a moment to think when answering is not possible

function aborted(signal) {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => reject(abortError()), { once: true });
  });
}

export async function answerTurn(session, part, signal) {
  const { view, cfg } = session;
  session.state = 'answering';
  await softTone(signal);
  let stream;
  try {
    stream = await openMicrophone();
  } catch (error) {
    if (signal.aborted) throw error;
    view.showError(error instanceof MicrophoneError ? error.message : String(error));
    return typedTurn(session, part, signal, { micFailed: true });
  }
  if (signal.aborted) {
    for (const track of stream.getTracks()) track.stop();
    throw abortError();
  }
  view.clearError();
  const pauseSeconds = session.prefs.pauseSeconds;
  view.showRecording(pauseSeconds, cfg.maxSeconds);
  view.announce('Recording. Listening for your answer.');
  const recording = new Recording(stream, audioContext(), {
    pauseSeconds,
    // Stop a second early: the server refuses anything longer than the limit.
    maxSeconds: Math.max(1, cfg.maxSeconds - 1),
    reminderSeconds: cfg.reminderSeconds,
    giveUpSeconds: cfg.giveUpSeconds,
    onLevel: (value) => view.setLevel(value),
    onTick: (seconds) => view.setElapsed(seconds),
    onReminder: () => {
      reminderTone();
      view.announce('Still recording. Answer when you are ready, or say \u201cskip\u201d.');
    },
  });
  session.recording = recording;
  const result = await recording.start();
  if (session.recording === recording) session.recording = null;
  view.hideRecording();
  if (signal.aborted || result.reason === 'cancel') throw abortError();
  session.state = 'sending';
  if (result.reason === 'no-speech') {
    session.pauseAt(session.index, 'answer');
    view.announce(
      'Paused: nothing was heard for a while. Press Resume when you are ready to answer.',
    );
    return true;
  }
  if (result.reason === 'limit') {
    view.note = `Your answer reached the longest length allowed.`;
  }
  const record = {
    client_id: uuid(),
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
  const outcome = session.outbox.settle(record.client_id);
  await session.outbox.add(record);
  const settled = await within(outcome, SETTLE_WAIT_MS, { kind: 'waiting' }, signal);
  if (settled.kind === 'command') return session.command(settled.command);
  if (settled.kind === 'waiting') {
    view.announce('Your answer is kept on this device and will be sent as soon as possible.');
  }
  return false;
}

// Typing an answer instead: open the prompt's form and wait until it is in the journal.
export async function typedTurn(session, part, signal, { micFailed = false } = {}) {
  const { view } = session;
  session.state = 'typing';
  if (!view.openTypedForm(part.id)) {
    view.announce('Typing an answer needs an account: sign in to answer.');
    await sleep(LISTEN_ONLY_PAUSE_MS, signal);
    return false;
  }
  view.slotNote(
    part.id,
    micFailed
      ? 'The microphone is not available (see the message above the controls): ' +
          'type your answer here instead.'
      : '',
  );
  const waits = [
    aborted(signal),
    new Promise((resolve) => {
      session.typedWaiter = { prompt: part.id, resolve: () => resolve('sent') };
    }),
  ];
  if (micFailed) {
    view.showContinue('Try the microphone again');
    waits.push(new Promise((resolve) => (session.continueWaiter = () => resolve('retry-mic'))));
  } else {
    view.announce(`Type your answer to ${part.title} and press its button to save it.`);
  }
  const choice = await Promise.race(waits);
  session.typedWaiter = null;
  session.continueWaiter = null;
  view.hideContinue();
  if (choice === 'retry-mic') {
    session.goTo(session.index, { phase: 'answer', explicit: true });
    return true;
  }
  return false;
}
