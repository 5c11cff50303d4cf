// The live region's queue (js/announcer.js), the ending's words (js/view.js endingText), the
// voice activity's clock across a pause (js/voice.js), and when an answer turn ends
// (js/turns.js, js/answers.js).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Announcer } from '../../voiceguide/static/js/announcer.js';
import { SlowNotice } from '../../voiceguide/static/js/answers.js';
import { sendAnswer } from '../../voiceguide/static/js/turns.js';
import { clearOfBar, endingText } from '../../voiceguide/static/js/view.js';
import { TICK_MS, VoiceActivity } from '../../voiceguide/static/js/voice.js';

function fakeClock() {
  const timers = [];
  return {
    timers,
    setTimer: (fn, ms) => timers.push({ fn, ms }),
    tick() {
      timers.shift()?.fn();
    },
  };
}

test('announcements are said in order, each kept long enough, never overwritten', () => {
  const said = [];
  const clock = fakeClock();
  const announcer = new Announcer((text) => said.push(text), { setTimer: clock.setTimer });
  announcer.say('Saved. Making the transcript…');
  announcer.say('Transcript ready. Saved to your journal.');
  announcer.say('Playing: Question 2');
  assert.deepEqual(said, ['Saved. Making the transcript…'], 'the next waits its turn');
  assert.equal(clock.timers[0].ms >= 1000, true);
  clock.tick();
  clock.tick();
  assert.deepEqual(said, [
    'Saved. Making the transcript…',
    'Transcript ready. Saved to your journal.',
    'Playing: Question 2',
  ]);
});

test('the same announcement queued twice in a row is said once', () => {
  const said = [];
  const clock = fakeClock();
  const announcer = new Announcer((text) => said.push(text), { setTimer: clock.setTimer });
  announcer.say('Uploading your answer…');
  announcer.say('Uploading your answer…');
  clock.tick();
  clock.tick();
  assert.deepEqual(said, ['Uploading your answer…']);
  announcer.say('Uploading your answer…'); // later, after a quiet spell: said again
  assert.equal(said.length, 2);
});

const BASE = { signedIn: true, total: 3, answered: 0, onTheirWay: [], missing: [] };

test('the ending congratulates only a stage whose every question has an answer', () => {
  assert.match(endingText({ ...BASE, answered: 3 }).text, /^Stage complete: you answered all 3/);
  const partial = endingText({
    ...BASE,
    answered: 2,
    missing: [{ title: 'Question 2', index: 3 }],
  });
  assert.match(partial.text, /^End of the stage\. You answered 2 of 3 questions\./);
  assert.match(partial.text, /Question 2 has no answer yet/);
  assert.deepEqual(partial.offer, { title: 'Question 2', index: 3 });
  const none = endingText({
    ...BASE,
    missing: [
      { title: 'Question 1', index: 2 },
      { title: 'Question 2', index: 3 },
      { title: 'Question 3', index: 4 },
    ],
  });
  assert.match(none.text, /None of the 3 questions has an answer yet/);
  assert.doesNotMatch(none.text, /complete|well done/i);
});

test('the ending is honest about answers still on their way, and about signing in', () => {
  const waiting = endingText({ ...BASE, answered: 2, onTheirWay: ['Question 3'] });
  assert.match(waiting.text, /Question 3 is kept on this device/);
  assert.doesNotMatch(waiting.text, /Stage complete/);
  const signedOut = endingText({ ...BASE, signedIn: false });
  assert.match(signedOut.text, /you listened to every part/);
  assert.doesNotMatch(signedOut.text, /complete|next time/i);
});

test('a give-up time of never (null) never ends a silent turn; reminders still come', () => {
  const voice = new VoiceActivity({ reminderSeconds: 20, giveUpSeconds: null }, 0);
  let reminded = 0;
  for (let now = 0; now < 600_000; now += TICK_MS) {
    const heard = voice.hear(0, now);
    assert.equal(heard.stop, null);
    if (heard.remind) reminded++;
  }
  assert.equal(reminded, 1);
});

test('a paused turn shifts the clock: the quiet during a pause is not counted', () => {
  const voice = new VoiceActivity({ reminderSeconds: 20, giveUpSeconds: 30 }, 0);
  voice.hear(0, 10_000);
  voice.shift(60_000); // paused for a minute
  assert.equal(voice.hear(0, 70_000).stop, null, 'ten seconds of quiet heard, not seventy');
  assert.equal(voice.hear(0, 90_000).stop, 'no-speech');
});

test('what is happening now replaces a stale one still waiting; events always wait', () => {
  const said = [];
  const clock = fakeClock();
  const announcer = new Announcer((text) => said.push(text), { setTimer: clock.setTimer });
  announcer.say('Transcript ready. Saved to your journal.');
  announcer.say('Playing: Question 2', { tag: 'now' });
  announcer.say('Recording. Listening for your answer.', { tag: 'now' });
  announcer.say('Your answer is kept on this device.');
  clock.tick();
  clock.tick();
  clock.tick();
  assert.deepEqual(said, [
    'Transcript ready. Saved to your journal.',
    'Recording. Listening for your answer.',
    'Your answer is kept on this device.',
  ]);
});

test('idle() waits until everything queued has been said', async () => {
  const clock = fakeClock();
  const announcer = new Announcer(() => {}, { setTimer: clock.setTimer });
  await announcer.idle(); // nothing queued: at once
  announcer.say('Transcript ready. Saved to your journal.');
  let idle = false;
  announcer.idle().then(() => {
    idle = true;
  });
  await Promise.resolve();
  assert.equal(idle, false);
  clock.tick();
  await Promise.resolve();
  assert.equal(idle, true);
});

test('saidSoFar() waits for what is queued now, not for what comes after', async () => {
  const clock = fakeClock();
  const announcer = new Announcer(() => {}, { setTimer: clock.setTimer });
  let said = false;
  announcer.say('Recording. Listening for your answer.');
  announcer.say('Saved. Making the transcript…');
  announcer.saidSoFar().then(() => {
    said = true;
  });
  announcer.say('Transcript ready. Saved to your journal.');
  clock.tick(); // "Recording" has had its time; "Saved" is in the region now
  await Promise.resolve();
  assert.equal(said, false, 'not before "Saved" has had its time');
  clock.tick(); // "Saved" has had its time; the transcript is in the region now
  await Promise.resolve();
  assert.equal(said, true, 'the transcript after it is not waited for');
  assert.equal(announcer.busy, true);
  let nothing = false;
  new Announcer(() => {}).saidSoFar().then(() => {
    nothing = true;
  });
  await Promise.resolve();
  assert.equal(nothing, true, 'nothing queued: at once');
});

test('"Uploading" is said only when the upload takes a while', () => {
  const clock = fakeClock();
  const said = [];
  const notice = new SlowNotice(() => said.push('Uploading your answer…'), {
    setTimer: (fn, ms) => {
      clock.setTimer(fn, ms);
      return clock.timers.length - 1;
    },
    clearTimer: (i) => {
      if (i !== undefined) clock.timers[i].fn = () => {};
    },
  });
  notice.start('a');
  notice.start('a'); // "checking", then "uploading": one notice
  assert.equal(clock.timers.length, 1);
  assert.ok(clock.timers[0].ms >= 500);
  notice.stop('a'); // saved in time
  clock.tick();
  assert.deepEqual(said, []);
  notice.start('b');
  clock.tick(); // still on its way: said
  assert.deepEqual(said, ['Uploading your answer…']);
});

test('an answer turn ends at the server 2xx, without waiting for the transcript', async () => {
  globalThis.window ??= /** @type {any} */ ({}); // dom.js uuid() asks it for a secure context
  const listeners = {};
  const outbox = {
    settle: (_id, kinds) => {
      outbox.kinds = kinds;
      return new Promise((resolve) => {
        listeners.saved = resolve;
      });
    },
    add: async () => {},
  };
  const ctx = /** @type {any} */ ({
    view: {},
    outbox,
    cfg: { user: '7', stage: 's' },
  });
  const turn = sendAnswer(
    ctx,
    { id: 'q1' },
    { blob: new Blob(['x']), type: 'audio/webm', seconds: 6, speechSeconds: 4, spoke: true },
  );
  await Promise.resolve();
  assert.ok(outbox.kinds.includes('saved'), 'the turn waits for the 2xx');
  assert.ok(!outbox.kinds.includes('transcript'), 'not for the transcript');
  listeners.saved({ kind: 'saved', entry: { id: 9, status: 'pending' } });
  const outcome = await turn;
  assert.equal(outcome.kind, 'saved');
  assert.deepEqual(outcome.entry, { id: 9, status: 'pending' });
  assert.ok(outcome.savedAt > 0, 'when it was saved: the beat runs from then');
});

test('the live line is scrolled clear of a bar stuck over it, and only then', () => {
  const bar = { top: 676, bottom: 844 };
  // "Playing: Intro" at 640-676 and the part's words to 740, under a bar from 676: up by 72.
  assert.equal(clearOfBar({ top: 640, bottom: 740 }, bar, 844), 740 + 8 - 676);
  assert.equal(clearOfBar({ top: 300, bottom: 600 }, bar, 844), 0, 'nothing covered');
  // A long part: never so far that the live line itself goes off the top.
  assert.equal(clearOfBar({ top: 100, bottom: 1400 }, bar, 844), 100 - 8);
  // Scrolled past it, or it is below the screen: the person is elsewhere; leave them there.
  assert.equal(clearOfBar({ top: -200, bottom: 700 }, bar, 844), 0);
  assert.equal(clearOfBar({ top: 900, bottom: 1000 }, bar, 844), 0);
});

// Feed `ms` of one level from `from`; what was heard, tick by tick.
function feed(voice, rms, from, ms) {
  const heard = [];
  for (let now = from; now < from + ms; now += TICK_MS) heard.push([now, voice.hear(rms, now)]);
  return heard;
}

const EARLY = { pauseSeconds: 3, settleSeconds: 1.5, settleAfterSpeechS: 2.5 };

test('an answer clearly heard is saved after 1.5 s of quiet; the turn ends at the full pause', () => {
  const voice = new VoiceActivity(EARLY, 0);
  feed(voice, 0.001, 0, 500);
  feed(voice, 0.2, 500, 3500); // 3.5 s of speech, to 4000
  const quiet = feed(voice, 0.001, 4000, 4000);
  const settled = quiet.filter(([, h]) => h.settle);
  assert.equal(settled.length, 1, 'once');
  assert.ok(Math.abs(settled[0][0] - 3950 - 1500) <= TICK_MS, 'after 1.5 s of quiet');
  const stop = quiet.find(([, h]) => h.stop);
  assert.ok(Math.abs(stop[0] - 3950 - 3000) <= TICK_MS, 'the turn listens to the full 3 s');
  assert.equal(stop[1].stop, 'silence');
});

test('a short answer (it may be a command) is never saved early', () => {
  const voice = new VoiceActivity(EARLY, 0);
  feed(voice, 0.2, 0, 1500);
  const quiet = feed(voice, 0.001, 1500, 4000);
  assert.equal(quiet.filter(([, h]) => h.settle).length, 0);
  assert.equal(quiet.find(([, h]) => h.stop)[1].stop, 'silence');
});

test('speech after the early save is noticed, and then only the full pause ends the turn', () => {
  const voice = new VoiceActivity(EARLY, 0);
  feed(voice, 0.2, 0, 3000);
  assert.ok(feed(voice, 0.001, 3000, 1600).some(([, h]) => h.settle));
  assert.equal(voice.settled, true);
  // The saved cue plays: loud, but not the person.
  voice.deafen(4600 + 800);
  const cue = feed(voice, 0.3, 4600, 800);
  assert.ok(
    cue.every(([, h]) => !h.resumed && !h.stop),
    'the cue is not taken for a voice',
  );
  // The person goes on after thinking for two seconds.
  const more = feed(voice, 0.2, 5400, 1000);
  assert.equal(more.filter(([, h]) => h.resumed).length, 1);
  assert.equal(voice.settled, false);
  const quiet = feed(voice, 0.001, 6400, 4000);
  assert.equal(quiet.filter(([, h]) => h.settle).length, 0, 'no second early save');
  const stop = quiet.find(([, h]) => h.stop);
  assert.ok(stop[0] - 6350 >= 3000 - TICK_MS, 'the full pause after the last word');
});
