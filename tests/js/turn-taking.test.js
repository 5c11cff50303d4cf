// The live region's queue (js/announcer.js), the ending's words (js/view.js endingText) and
// the voice activity's clock across a pause (js/voice.js).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Announcer } from '../../voiceguide/static/js/announcer.js';
import { endingText } from '../../voiceguide/static/js/view.js';
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
