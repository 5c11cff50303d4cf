// @ts-check
// The guided session on a stage page: narration, a soft tone, a recording turn, the upload,
// the transcript, the next part; hands-free by default. See the contract, "The guided
// session page". Plain ES modules, no build step; nothing plays until Start is pressed.
//
// This file wires the page together; js/flow.js is the flow, js/turns.js the answer turns,
// js/view.js what is shown, js/outbox.js the way answers reach the server.

import { showOutboxProgress, wireTypedForms } from './js/answers.js';
import { $$, csrfToken } from './js/dom.js';
import { Session } from './js/flow.js';
import { bindShortcuts } from './js/keys.js';
import { setUpMicCheck } from './js/miccheck.js';
import { Outbox } from './js/outbox.js';
import { NarrationPlayer } from './js/player.js';
import { load, loadPrefs, parseChoices, savePrefs } from './js/prefs.js';
import { addCaptionsSwitch, resendChunks } from './js/stream.js';
import { SessionView } from './js/view.js';

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
  el.shortcuts.checked = prefs.shortcuts;
}

function wireControls(session, view) {
  const actions = {
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
    actions[button?.dataset.action]?.();
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
  const session = new Session({
    cfg,
    view,
    player,
    outbox,
    prefs,
    savePrefs: (change) => {
      Object.assign(prefs, change);
      savePrefs(prefs, change, { url: cfg.preferencesUrl, token: csrfToken });
    },
  });
  player.setRate(prefs.rate);
  showPrefs(view, prefs);
  view.show();
  view.showProgress(session.savedProgress());
  wireControls(session, view);
  showOutboxProgress(outbox, view, cfg);
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
