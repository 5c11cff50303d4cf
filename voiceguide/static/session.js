// @ts-check
// The guided session on a stage page: narration, a soft tone, a recording turn, the upload,
// the transcript, the next part; hands-free by default. See the contract, "The guided
// session page". Plain ES modules, no build step; nothing plays until Start is pressed.
//
// This file wires the page together; js/flow.js is the flow, js/turns.js the answer turns,
// js/view.js what is shown, js/outbox.js the way answers reach the server.

import { showOutboxProgress, wireTypedForms } from './js/answers.js';
import { Cues } from './js/cues.js';
import { $$, csrfToken, isAbort } from './js/dom.js';
import { Session } from './js/flow.js';
import { bindShortcuts } from './js/keys.js';
import { setUpMicCheck } from './js/miccheck.js';
import { Outbox } from './js/outbox.js';
import { NarrationPlayer } from './js/player.js';
import { load, loadPrefs, parseChoices, savePrefs } from './js/prefs.js';
import { ReadBackPlayer } from './js/readback.js';
import { addCaptionsSwitch, resendChunks } from './js/stream.js';
import { savedTone } from './js/tones.js';
import { SessionView } from './js/view.js';

const TONE_CUE_MS = 800; // the saved tone, and its echo in the room
const SPOKEN_CUE_MS = 2000; // "Saved." in the narration voice, after the tone

/** @param {HTMLElement} root */
function readConfig(root) {
  const data = root.dataset;
  return {
    program: data.program,
    stage: data.stage,
    signedIn: data.signedIn === 'true',
    user: data.user || '',
    maxSeconds: Number(data.maxRecordingSeconds) || 600,
    reminderSeconds: Number(data.reminderSeconds) || 20,
    giveUpSeconds: Number(data.giveUpSeconds) || 30,
    answered: data.answered ? JSON.parse(data.answered) : [],
    progressUrl: data.progressUrl,
    cues: data.cues ? JSON.parse(data.cues) : {},
    entriesUrl: data.entriesUrl,
    streamsUrl: data.streamsUrl,
    commandsUrl: data.commandsUrl,
    preferencesUrl: data.preferencesUrl,
    accountPrefs: data.preferences ? JSON.parse(data.preferences) : {},
    choices: parseChoices(data.choices),
    loginUrl: data.loginUrl,
    nextUrl: data.nextUrl,
    nextTitle: data.nextTitle,
  };
}

function showPrefs(view, prefs) {
  const el = view.el;
  el.speed.value = String(prefs.rate);
  el.handsFree.checked = prefs.handsFree;
  el.pauseSeconds.value = prefs.pauseSeconds === null ? 'off' : String(prefs.pauseSeconds);
  if (prefs.giveUpSeconds !== undefined) {
    el.giveUp.value = prefs.giveUpSeconds === null ? 'off' : String(prefs.giveUpSeconds);
  }
  el.spokenCue.checked = prefs.spokenCue;
  el.shortcuts.checked = prefs.shortcuts;
}

// The transcript card: Edit (a correction, kept beside the machine's transcript), Record
// again (a new answer; the earlier one stays), Read it back (the narration voice).
function wireAnswerCard(session, view, cfg, readback) {
  const card = view.el.answer;
  const entryId = () => card.dataset.entry;
  view.el.answerEdit.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = view.el.answerField.value.trim();
    if (!text) {
      view.showError('Write your answer first, then save it.');
      return;
    }
    try {
      const response = await fetch(`${cfg.entriesUrl}/${entryId()}`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrfToken() },
        credentials: 'same-origin',
        body: JSON.stringify({ transcript: text }),
      });
      if (!response.ok) throw new Error(String(response.status));
      const entry = await response.json();
      view.showAnswerText(entry.transcript, entry.unsure);
      readback.prepare(`${cfg.entriesUrl}/${entryId()}/speech`); // the corrected words
      view.closeEdit();
      view.clearError();
      view.announce('Your correction is saved in your journal.');
    } catch {
      view.showError(
        'Your correction could not be saved just now. It is still in the box: try again.',
      );
    }
  });
  return {
    'edit-answer': () => {
      session.holdForCard();
      view.openEdit();
    },
    'cancel-edit': () => view.closeEdit(),
    'answer-again': () => session.answerAgain(card.dataset.prompt ?? ''),
    'read-back': () => {
      session.holdForCard();
      readback.unlock(); // inside the click: the browser lets the sound start
      view.announce('Reading your answer back.');
      readback.play(`${cfg.entriesUrl}/${entryId()}/speech`).catch((error) => {
        if (!isAbort(error)) view.showError('Your answer could not be read back just now.');
      });
    },
  };
}

function wireControls(session, view, cfg, readback) {
  const actions = {
    ...wireAnswerCard(session, view, cfg, readback),
    'skip-question': () => session.skipQuestion(),
    'answer-missing': (button) => session.start({ at: Number(button.dataset.index) }),
    start: () => session.start(),
    restart: () => session.start({ fromBeginning: true }),
    pause: () => session.togglePause(),
    back: () => session.back(),
    skip: () => session.skip(),
    repeat: () => session.repeat(),
    continue: () => session.next(),
    done: () => session.finishAnswer(),
    rerecord: () => session.rerecord(),
    type: () => session.typeInstead(),
  };
  view.root.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    actions[button?.dataset.action]?.(button);
  });
  for (const button of $$('.play-from')) {
    button.addEventListener('click', () => {
      session.start({ at: session.parts.findIndex((p) => p.id === button.dataset.part) });
    });
  }
  const el = view.el;
  el.speed.addEventListener('change', () => session.setRate(Number(el.speed.value)));
  el.handsFree.addEventListener('change', () => session.setHandsFree(el.handsFree.checked));
  el.pauseSeconds.addEventListener('change', () => {
    const value = el.pauseSeconds.value;
    session.savePrefs({ pauseSeconds: value === 'off' ? null : Number(value) });
  });
  el.giveUp.addEventListener('change', () => {
    const value = el.giveUp.value;
    session.savePrefs({ giveUpSeconds: value === 'off' ? null : Number(value) });
  });
  el.spokenCue.addEventListener('change', () =>
    session.savePrefs({ spokenCue: el.spokenCue.checked }),
  );
  el.shortcuts.addEventListener('change', () =>
    session.savePrefs({ shortcuts: el.shortcuts.checked }),
  );
  bindShortcuts(
    {
      p: () => session.togglePause(),
      s: () => session.skip(),
      n: () => session.next(),
      r: () => session.repeat(),
      b: () => session.back(),
      '-': () => session.changeRate(-1),
      '+': () => session.changeRate(1),
      '=': () => session.changeRate(1),
      d: () => session.finishAnswer(),
      t: () => session.typeInstead(),
      h: () => session.setHandsFree(!session.prefs.handsFree),
    },
    () => session.prefs.shortcuts,
  );
}

function main(root) {
  const cfg = readConfig(root);
  const view = new SessionView(root);
  const player = new NarrationPlayer(document.getElementById('narration'));
  const outbox = new Outbox({
    entriesUrl: cfg.entriesUrl,
    commandsUrl: cfg.commandsUrl,
    user: cfg.signedIn ? cfg.user : null,
  });
  const prefs = loadPrefs(cfg.accountPrefs, cfg.choices);
  const cues = new Cues(cfg.cues);
  const readback = new ReadBackPlayer({
    // When the read-back's first sound played, for scripts/bench_turns.py.
    onFirstSound: (at) => {
      document.documentElement.dataset.readbackSoundAt = String(at);
    },
  });
  const session = new Session({
    cfg,
    view,
    player,
    outbox,
    prefs,
    cues,
    readback,
    savePrefs: (change) => {
      Object.assign(prefs, change);
      savePrefs(prefs, change, { url: cfg.preferencesUrl, token: csrfToken });
    },
  });
  player.setRate(prefs.rate);
  showPrefs(view, prefs);
  view.canAnswer = cfg.signedIn;
  view.show();
  view.showProgress(session.savedProgress());
  wireControls(session, view, cfg, readback);
  showOutboxProgress(outbox, view, cfg);
  // The "saved" cue: the answer is on the server. Not over a recording (it would be heard),
  // except one that only listens on after its answer was saved early: that one does not take
  // the cue for the person's voice.
  outbox.addEventListener('saved', (/** @type {CustomEvent} */ event) => {
    if (!event.detail.record.blob) return;
    const recording = session.recording;
    if (session.state === 'answering' && !recording?.settled) return;
    if (recording?.settled) recording.deafen(prefs.spokenCue ? SPOKEN_CUE_MS : TONE_CUE_MS);
    // When the cue sounded, for scripts/bench_turns.py.
    document.documentElement.dataset.savedCueAt = String(performance.now());
    savedTone();
    if (prefs.spokenCue) cues.play('saved');
  });
  // The transcript card's Read it back sounds at once: its first phrase is fetched now (into
  // memory only), while the person listens to the beat.
  outbox.addEventListener('transcript', (/** @type {CustomEvent} */ event) => {
    const { record, entry } = event.detail;
    if (record.stage === cfg.stage && entry.transcript) {
      readback.prepare(`${cfg.entriesUrl}/${entry.id}/speech`);
    }
  });
  // Leaving the page in the middle of a spoken answer would lose it: the browser asks first.
  window.addEventListener('beforeunload', (event) => {
    if (session.recording?.spoke) event.preventDefault();
  });
  wireTypedForms(view, outbox, cfg, (prompt) => session.typedAnswerSent(prompt));
  setUpMicCheck(root, {
    announce: (text) => view.announce(text),
    showError: (text) => view.showError(text),
    clearError: () => view.clearError(),
    firstVisit: !load('mic-checked', false),
  });
  player.audio.addEventListener('timeupdate', () => session.saveProgressThrottled());
  window.addEventListener('pagehide', () => session.saveProgress());
  // Answers kept on this device from an earlier visit (the network had dropped) go now.
  if (cfg.signedIn) {
    outbox.resendAll();
    resendChunks(cfg.user);
  }
  addCaptionsSwitch();
}

const root = document.getElementById('session');
if (root) main(root);
