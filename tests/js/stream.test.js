// Streamed answers in the browser (js/stream.js): when a recording may be streamed, and when
// the server's voice activity ends the turn.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  canStream,
  clientIdFor,
  endsTurn,
  handOver,
  LiveStream,
} from '../../voiceguide/static/js/stream.js';

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

test('a stream with no chunk for a while (a held recording) is asked about, so it stays open', async () => {
  globalThis.document ??= /** @type {any} */ ({ querySelector: () => null });
  /** @type {string[]} */
  const asked = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = /** @type {any} */ (
    async (/** @type {string} */ url, /** @type {any} */ init) => {
      asked.push(`${init?.method ?? 'GET'} ${url}`);
      return { ok: true, json: async () => ({ id: 7, chunks_url: '/c/', finish_url: '/f' }) };
    }
  );
  let now = 1000;
  const realNow = performance.now;
  performance.now = () => now;
  try {
    const live = new LiveStream({
      streamsUrl: '/api/streams',
      stage: 's',
      prompt: 'p',
      clientId: 'c',
      user: 'u',
    });
    await live.opened;
    now += 10000;
    await live.askIfQuiet();
    assert.deepEqual(asked, ['POST /api/streams'], 'chunks came recently: nothing asked');
    now += 25000;
    await live.askIfQuiet();
    assert.deepEqual(asked.slice(1), ['GET /api/streams/7']);
    await live.askIfQuiet();
    assert.equal(asked.length, 2, 'asked once per quiet half-minute');
    live.stopAsking();
  } finally {
    globalThis.fetch = realFetch;
    performance.now = realNow;
  }
});

test('an answer saved early is finished through its healthy stream; the turn streams no more', () => {
  const healthy = /** @type {any} */ ({ healthy: true, clientId: 'stream-1', captions: null });
  const early = {};
  assert.equal(handOver(healthy, early), null, 'what the person says next goes whole');
  assert.equal(clientIdFor(early), 'stream-1', 'the early part is the stream\u2019s answer');

  const failing = /** @type {any} */ ({ healthy: false, clientId: 'stream-2', captions: null });
  const other = {};
  assert.equal(handOver(failing, other), failing, 'the turn keeps a stream that is not healthy');
  assert.equal(clientIdFor(other), undefined, 'and the early part goes as a whole file');
  assert.equal(handOver(null, {}), null);
});
