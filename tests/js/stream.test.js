// Streamed answers in the browser (js/stream.js): when a recording may be streamed, and when
// the server's voice activity ends the turn.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { canStream, endsTurn } from '../../voiceguide/static/js/stream.js';

test('WebM and Ogg recordings are streamed; MP4 and WAV go whole', () => {
  globalThis.indexedDB ??= /** @type {any} */ ({});
  assert.equal(canStream('audio/webm;codecs=opus'), true);
  assert.equal(canStream('audio/ogg;codecs=opus'), true);
  assert.equal(canStream('audio/mp4'), false);
  assert.equal(canStream('audio/wav'), false);
});

test('the turn ends on the server\u2019s silence after speech, at the person\u2019s pause', () => {
  const ack = { speech_ended: false, speech_heard: true, silence_s: 3.1, draft: null };
  assert.equal(endsTurn(ack, 3), true);
  assert.equal(endsTurn({ ...ack, silence_s: 2.9 }, 3), false);
  assert.equal(endsTurn({ ...ack, silence_s: 1.6 }, 1.5), true);
});

test('silence before any speech, or the pause switched off, never ends the turn', () => {
  const quiet = { speech_ended: false, speech_heard: false, silence_s: 20, draft: null };
  assert.equal(endsTurn(quiet, 3), false);
  assert.equal(endsTurn({ ...quiet, speech_heard: true }, null), false);
});
