// The voice-activity tick (js/voice.js) driven by a fake analyser, and the level meter.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  levelFromRms,
  readRms,
  rmsOf,
  TICK_MS,
  VoiceActivity,
} from '../../voiceguide/static/js/voice.js';

// Stands in for an AnalyserNode: fills the buffer with a sine of the current amplitude.
class FakeAnalyser {
  amplitude = 0;
  getFloatTimeDomainData(array) {
    for (let i = 0; i < array.length; i++) array[i] = this.amplitude * Math.sin(i / 3);
  }
}

// Feed `script` ([[amplitude, milliseconds], ...]) to a VoiceActivity, one tick per TICK_MS,
// until it says stop; what it said, and when.
function listen(script, options) {
  const analyser = new FakeAnalyser();
  const samples = new Float32Array(1024);
  const voice = new VoiceActivity(options, 0);
  const heard = { spokeAt: [], remindedAt: [], stop: null, stoppedAt: null, voice };
  let now = 0;
  for (const [amplitude, ms] of script) {
    analyser.amplitude = amplitude;
    for (const end = now + ms; now < end; ) {
      now += TICK_MS;
      const tick = voice.hear(readRms(analyser, samples), now);
      if (tick.spokeNow) heard.spokeAt.push(now);
      if (tick.remind) heard.remindedAt.push(now);
      if (tick.stop) {
        heard.stop = tick.stop;
        heard.stoppedAt = now;
        return heard;
      }
    }
  }
  return heard;
}

const OPTIONS = { pauseSeconds: 3, reminderSeconds: 20, giveUpSeconds: 30 };
const ROOM = 0.002; // a quiet room
const VOICE = 0.3;

describe('VoiceActivity', () => {
  test('an answer ends after the chosen pause of quiet', () => {
    const heard = listen(
      [
        [ROOM, 1000],
        [VOICE, 2000],
        [ROOM, 10_000],
      ],
      OPTIONS,
    );
    assert.equal(heard.stop, 'silence');
    assert.deepEqual(heard.spokeAt, [1250], 'spoke once, after 250 ms of voice');
    // The last voiced tick is at 3000 ms; three seconds of quiet after it.
    assert.equal(heard.stoppedAt, 6000);
    assert.ok(Math.abs(heard.voice.speechSeconds - 1.95) < 0.01, heard.voice.speechSeconds);
  });

  test('nothing said: one reminder, then the turn gives up as no-speech', () => {
    const heard = listen([[ROOM, 60_000]], OPTIONS);
    assert.deepEqual(heard.remindedAt, [20_000]);
    assert.equal(heard.stop, 'no-speech');
    assert.equal(heard.stoppedAt, 30_000);
    assert.equal(heard.voice.spoke, false);
  });

  test('a long answer (no pause chosen) is not ended by a short silence', () => {
    const heard = listen(
      [
        [VOICE, 1000],
        [ROOM, 10_000],
        [VOICE, 1000],
        [ROOM, 40_000],
      ],
      { ...OPTIONS, pauseSeconds: null },
    );
    assert.equal(heard.stop, 'silence', 'spoken, so it is kept when it gives up');
    assert.equal(heard.stoppedAt, 12_000 + 30_000);
    assert.deepEqual(heard.remindedAt, [12_000 + 20_000]);
  });

  test('a click before speaking is forgotten, so a later word measures short', () => {
    const heard = listen(
      [
        [ROOM, 500],
        [VOICE, 100], // a click: too short to be speech
        [ROOM, 2000],
        [VOICE, 600], // "skip"
        [ROOM, 5000],
      ],
      OPTIONS,
    );
    assert.equal(heard.stop, 'silence');
    assert.ok(heard.voice.speechSeconds < 0.6, `measured ${heard.voice.speechSeconds} s`);
  });

  test('a steady hum below the threshold never counts as speech', () => {
    const heard = listen([[0.02, 40_000]], OPTIONS);
    assert.deepEqual(heard.spokeAt, []);
    assert.equal(heard.stop, 'no-speech');
  });
});

describe('levels', () => {
  test('rmsOf a sine of amplitude A is about A/√2; of nothing, 0', () => {
    const samples = Float32Array.from({ length: 4800 }, (_, i) => 0.5 * Math.sin(i / 10));
    assert.ok(Math.abs(rmsOf(samples) - 0.5 / Math.SQRT2) < 0.005);
    assert.equal(rmsOf(new Float32Array(0)), 0);
  });

  test('the meter maps 60 dB onto 0..1 and stays within it', () => {
    assert.equal(levelFromRms(0), 0);
    assert.equal(levelFromRms(-1), 0);
    assert.equal(levelFromRms(0.001), 0); // -60 dB
    assert.ok(Math.abs(levelFromRms(10 ** (-30 / 20)) - 0.5) < 1e-9); // -30 dB
    assert.equal(levelFromRms(1), 1);
    assert.equal(levelFromRms(4), 1);
    assert.ok(levelFromRms(0.1) > levelFromRms(0.01));
  });
});
