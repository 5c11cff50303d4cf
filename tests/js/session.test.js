// The guided session's state moves (js/flow.js) with a fake view, player and outbox.

import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { setImmediate as settle } from 'node:timers/promises';

import { Session } from '../../voiceguide/static/js/flow.js';
import { BEAT_MS } from '../../voiceguide/static/js/turns.js';
import { installStorage } from './storage.js';

// The browser's window as far as the session needs it: no audio context, not secure (so the
// microphone is unavailable, and an answer turn falls back to typing).
globalThis.window = {};

const CHOICES = { rates: [0.75, 1, 1.25, 1.5], pauses: [1.5, 2, 3, 5, 10, null] };

// The narration player: each play() waits until the test ends it.
class FakePlayer {
  rate = 1;
  position = 0;
  playing = null;
  calls = [];
  play(url, { signal } = {}) {
    this.calls.push(['play', url]);
    return new Promise((resolve, reject) => {
      this.playing = { url, end: resolve, fail: reject };
      signal?.addEventListener('abort', () => reject(new DOMException('x', 'AbortError')));
    });
  }
  async end() {
    this.playing.end();
    await settle();
  }
  pause() {
    this.calls.push(['pause']);
  }
  resume() {
    this.calls.push(['resume']);
  }
  stop() {}
  back() {}
  setRate(rate) {
    this.rate = rate;
  }
}

// The read-back player (js/readback.js): each play() waits until the test ends it.
class FakeReadBack {
  calls = [];
  current = null;
  get playing() {
    return this.current !== null;
  }
  play(url, { signal } = {}) {
    this.calls.push(['play', url]);
    return new Promise((resolve, reject) => {
      this.current = { url, end: resolve };
      signal?.addEventListener('abort', () => {
        this.current = null;
        reject(new DOMException('x', 'AbortError'));
      });
    });
  }
  async end() {
    const { end } = this.current;
    this.current = null;
    end();
    await settle();
  }
  pause() {
    this.calls.push(['pause']);
  }
  resume() {
    this.calls.push(['resume']);
  }
  stop() {
    this.calls.push(['stop']);
    this.current = null;
  }
}

// The view: records what it was asked to show; knows the parts and the controls.
function fakeView(parts) {
  const shown = [];
  const view = {
    parts: parts.map(([id, kind]) => ({ id, kind, audio: `/a/${id}`, title: id, text: id })),
    el: { speed: { value: '1' }, handsFree: { checked: true } },
    note: '',
    shown,
    openTypedForm: (id) => {
      shown.push(['openTypedForm', id]);
      return {};
    },
  };
  return new Proxy(view, {
    get(target, name) {
      if (name in target) return target[name];
      return (...args) => shown.push([name, ...args]);
    },
  });
}

function makeSession(parts, { signedIn = false, handsFree = true, outbox = {}, answered } = {}) {
  const view = fakeView(parts);
  const player = new FakePlayer();
  const readback = new FakeReadBack();
  const saved = [];
  const session = new Session({
    cfg: {
      program: 'p',
      stage: 's',
      signedIn,
      user: signedIn ? '7' : '',
      maxSeconds: 600,
      reminderSeconds: 20,
      giveUpSeconds: 30,
      choices: CHOICES,
      answered,
    },
    view,
    player,
    outbox,
    readback,
    prefs: { rate: 1, handsFree, pauseSeconds: 3, shortcuts: true },
    savePrefs: (change) => saved.push(change),
  });
  return { session, view, player, saved, readback };
}

async function until(check, ms = 3000) {
  const end = Date.now() + ms;
  while (!check()) {
    assert.ok(Date.now() < end, 'timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

beforeEach(() => {
  installStorage();
});

test('start plays each part in turn, and the end of the last one completes the stage', async () => {
  const { session, player, view } = makeSession([
    ['intro', 'intro'],
    ['closing', 'closing'],
  ]);
  assert.equal(session.state, 'idle');
  session.start();
  assert.equal(session.state, 'playing');
  assert.equal(player.playing.url, '/a/intro');
  await player.end();
  assert.equal(player.playing.url, '/a/closing');
  assert.equal(session.index, 1);
  await player.end();
  assert.equal(session.state, 'done');
  await settle();
  const ending = view.shown.find(([name]) => name === 'showEnding');
  assert.ok(ending, 'the ending is shown');
  assert.equal(ending[1].signedIn, false);
});

test('pause during narration holds the audio; resume plays on from there', () => {
  const { session, player } = makeSession([['intro', 'intro']]);
  session.start();
  session.togglePause();
  assert.equal(session.state, 'paused');
  assert.deepEqual(session.pausedAt, { index: 0, phase: 'live' });
  session.togglePause();
  assert.equal(session.state, 'playing');
  assert.deepEqual(player.calls.slice(-2), [['pause'], ['resume']]);
  assert.equal(
    player.calls.filter(([name]) => name === 'play').length,
    1,
    'the part was not started again',
  );
});

test('hands-free off: after a part the session waits for Continue', async () => {
  const { session, player } = makeSession(
    [
      ['intro', 'intro'],
      ['closing', 'closing'],
    ],
    { handsFree: false },
  );
  session.start();
  await player.end();
  assert.equal(session.state, 'waiting');
  assert.equal(session.index, 0);
  session.next();
  await settle();
  assert.equal(session.state, 'playing');
  assert.equal(session.index, 1);
});

test('pausing while waiting for Continue resumes to the same wait', async () => {
  const { session, player } = makeSession(
    [
      ['intro', 'intro'],
      ['closing', 'closing'],
    ],
    { handsFree: false },
  );
  session.start();
  await player.end();
  session.pause();
  assert.deepEqual(session.pausedAt, { index: 0, phase: 'after' });
  session.resume();
  await settle();
  assert.equal(session.state, 'waiting');
});

test('no microphone: the question turns to typing, and a typed answer moves on', async () => {
  const { session, view, player } = makeSession(
    [
      ['q1', 'prompt'],
      ['closing', 'closing'],
    ],
    { signedIn: true },
  );
  session.start();
  await player.end();
  assert.equal(session.state, 'answering');
  await until(() => session.state === 'typing'); // after the cue tone, the microphone fails
  assert.ok(view.shown.some(([name, id]) => name === 'openTypedForm' && id === 'q1'));
  session.typedAnswerSent('q2'); // another question's answer does not end this turn
  await settle();
  assert.equal(session.state, 'typing');
  session.typedAnswerSent('q1');
  // After the answer, the beat of quiet (BEAT_MS) comes before the next part: wait past it.
  await until(() => session.state === 'playing', BEAT_MS + 3000);
  assert.equal(session.index, 1);
});

test("a turn's outcome moves the session: nothing heard pauses at the answer", () => {
  const { session } = makeSession([['q1', 'prompt']], { signedIn: true });
  session.start();
  assert.equal(session.actOn({ kind: 'no-speech' }), true);
  assert.equal(session.state, 'paused');
  assert.deepEqual(session.pausedAt, { index: 0, phase: 'answer' });
});

test('voice commands: next, pause, faster; an unknown word is an answer', async () => {
  const { session, player, saved } = makeSession([
    ['q1', 'prompt'],
    ['q2', 'prompt'],
  ]);
  session.start();
  assert.equal(session.actOn({ kind: 'command', command: 'next' }), true);
  assert.equal(session.index, 1);
  assert.equal(player.playing.url, '/a/q2');
  assert.equal(session.actOn({ kind: 'command', command: 'faster' }), true);
  assert.equal(player.rate, 1.25);
  assert.deepEqual(saved.at(-1), { rate: 1.25 });
  assert.equal(session.actOn({ kind: 'command', command: 'pause' }), true);
  assert.equal(session.state, 'paused');
  assert.equal(session.actOn({ kind: 'command', command: 'sing' }), false);
  assert.equal(session.actOn({ kind: 'saved', entry: {} }), false);
});

test('speed steps stop at the slowest and fastest choices', () => {
  const { session, player } = makeSession([['intro', 'intro']]);
  for (let i = 0; i < 5; i++) session.changeRate(1);
  assert.equal(player.rate, 1.5);
  for (let i = 0; i < 5; i++) session.changeRate(-1);
  assert.equal(player.rate, 0.75);
});

// ---- turn-taking: nothing said is lost, Skip skips what is playing, the ending is true ------

// A recording as the session sees it: the test says whether the person has spoken.
function fakeRecording(spoke) {
  const calls = [];
  return {
    spoke,
    calls,
    pause: () => calls.push('pause'),
    resume: () => calls.push('resume'),
    leave: () => calls.push('leave'),
    cancel: () => calls.push('cancel'),
    finish: () => calls.push('finish'),
  };
}

const QUESTIONS = [
  ['intro', 'intro'],
  ['q1', 'prompt'],
  ['q2', 'prompt'],
  ['closing', 'closing'],
];

test("Skip during a question's narration goes straight to its answer turn", async () => {
  const { session, player } = makeSession(QUESTIONS, { signedIn: true });
  session.start({ at: 1 });
  assert.equal(player.playing.url, '/a/q1');
  session.skip();
  await settle();
  assert.equal(session.index, 1, 'still the same question');
  assert.equal(session.state, 'answering');
  assert.equal(player.calls.filter(([, url]) => url === '/a/q1').length, 1, 'not read again');
});

test('Skip during an answer turn moves on; what was said is kept, never cancelled', async () => {
  const { session, player, view } = makeSession(QUESTIONS, { signedIn: true });
  session.start({ at: 1 });
  await player.end();
  assert.equal(session.state, 'answering');
  const recording = fakeRecording(true);
  session.recording = /** @type {any} */ (recording);
  session.skip();
  assert.deepEqual(recording.calls, ['leave']);
  assert.equal(session.index, 2);
  assert.equal(player.playing.url, '/a/q2');
  // Nothing said: the question is skipped, and the page says so.
  await player.end();
  const silent = fakeRecording(false);
  session.recording = /** @type {any} */ (silent);
  session.skipQuestion();
  assert.deepEqual(silent.calls, ['leave']);
  assert.equal(session.index, 3);
  assert.ok(view.shown.some(([name, text]) => name === 'announce' && /Playing/.test(text)));
});

test('Pause during an answer holds the recording; Resume continues the same one', async () => {
  const { session, player } = makeSession(QUESTIONS, { signedIn: true });
  session.start({ at: 1 });
  await player.end();
  const recording = fakeRecording(true);
  session.recording = /** @type {any} */ (recording);
  session.pause();
  assert.equal(session.state, 'paused');
  assert.deepEqual(session.pausedAt, { index: 1, phase: 'recording' });
  session.resume();
  assert.equal(session.state, 'answering');
  assert.deepEqual(recording.calls, ['pause', 'resume'], 'held and continued, never left');
  // Done answering while paused: it resumes first, then finishes (the answer is kept).
  session.pause();
  session.finishAnswer();
  assert.deepEqual(recording.calls, ['pause', 'resume', 'pause', 'resume', 'finish']);
});

test('Record again drops the take only when the person asks, and says so', async () => {
  const { session, player, view } = makeSession(QUESTIONS, { signedIn: true });
  session.start({ at: 1 });
  await player.end();
  const recording = fakeRecording(true);
  session.recording = /** @type {any} */ (recording);
  session.rerecord();
  assert.equal(recording.calls[0], 'cancel');
  assert.match(view.note + view.shown.map(String).join(' '), /that take is not kept/);
});

test("a turn left after speaking sends the words as that question's answer", async () => {
  const added = [];
  const outbox = {
    settle: () => new Promise(() => {}),
    add: async (record) => added.push(record),
  };
  const { session } = makeSession(QUESTIONS, { signedIn: true, outbox });
  session.keepLeftAnswer(
    { id: 'q1', title: 'Question 1' },
    { blob: new Blob(['x']), type: 'audio/webm', seconds: 9, speechSeconds: 7, spoke: true },
  );
  await settle();
  assert.equal(added.length, 1);
  assert.equal(added[0].prompt, 'q1');
  assert.equal(added[0].maybeCommand, false, 'seven seconds of speech is an answer');
  assert.equal(session.unanswered(), false, 'the closing will not say nothing was answered');
});

test('voice commands: go back, resume and answer now reopen a turn; read it back', async () => {
  const { session, player, readback } = makeSession(QUESTIONS, { signedIn: true });
  session.start({ at: 2 });
  assert.equal(session.command('back'), true);
  assert.equal(player.playing.url, '/a/q1');
  assert.equal(session.command('answer'), true);
  assert.equal(session.state, 'answering');
  session.lastEntry = { id: 5, prompt: 'q1' };
  session.cfg.entriesUrl = '/api/entries';
  assert.equal(session.command('read-back'), true);
  await settle();
  assert.equal(readback.current.url, '/api/entries/5/speech');
  // Pause and Resume hold the read-back itself, not the narration behind it.
  session.pause();
  session.resume();
  assert.deepEqual(readback.calls.slice(-2), [['pause'], ['resume']]);
  assert.equal(player.calls.filter(([name]) => name === 'resume').length, 0);
  await readback.end();
  assert.equal(session.state, 'answering', 'then the answer turn again');
});

test('going on with the session stops a read-back from the transcript card', async () => {
  const { session, player, readback } = makeSession(QUESTIONS, { signedIn: true });
  session.start({ at: 0 });
  session.holdForCard();
  readback.play('/api/entries/5/speech');
  session.resume();
  assert.equal(readback.playing, false, 'the narration does not talk over it');
  assert.equal(player.playing.url, '/a/intro');
});

test('the closing has its variant when no question has an answer', () => {
  const { session } = makeSession(QUESTIONS, { signedIn: true, answered: ['q2'] });
  assert.equal(session.unanswered(), false);
  assert.equal(makeSession(QUESTIONS, { signedIn: true }).session.unanswered(), true);
});

test('the ending counts the journal, not the visit: the server is asked', async () => {
  globalThis.fetch = async () => ({
    ok: true,
    json: async () => ({ stages: [{ id: 's', answered_prompts: ['q1'] }] }),
  });
  try {
    const { session } = makeSession(QUESTIONS, { signedIn: true });
    session.cfg.progressUrl = '/api/progress';
    const ending = await session.ending();
    assert.equal(ending.answered, 1);
    assert.deepEqual(ending.missing, [{ title: 'q2', index: 2 }]);
  } finally {
    delete globalThis.fetch;
  }
});
