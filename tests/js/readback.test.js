// Reading an answer back (js/readback.js): the streamed WAV parsed in any split, the pieces
// played back to back as they arrive, the first sound marked, errors and Stop.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  nextStart,
  PcmStream,
  ReadBackError,
  ReadBackPlayer,
} from '../../voiceguide/static/js/readback.js';

const RATE = 22050;

// The server's header (speech/streaming.py wav_stream_header): sizes unknown.
function header(rate = RATE, { bits = 16, channels = 1 } = {}) {
  const bytes = new Uint8Array(44);
  const view = new DataView(bytes.buffer);
  const tag = (at, text) => {
    for (let i = 0; i < 4; i++) bytes[at + i] = text.charCodeAt(i);
  };
  tag(0, 'RIFF');
  view.setUint32(4, 0xffffffff, true);
  tag(8, 'WAVE');
  tag(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * 2 * channels, true);
  view.setUint16(32, 2 * channels, true);
  view.setUint16(34, bits, true);
  tag(36, 'data');
  view.setUint32(40, 0xffffffff, true);
  return bytes;
}

function pcm(values) {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  for (const [i, v] of values.entries()) view.setInt16(i * 2, v, true);
  return bytes;
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

test('the stream parses the same whatever way its bytes are split', () => {
  const values = [0, 16384, -16384, 32767, -32768, 1, -1];
  const whole = concat(header(), pcm(values));
  for (const size of [1, 2, 3, 7, 43, 44, 45, whole.length]) {
    const stream = new PcmStream();
    const out = [];
    for (let at = 0; at < whole.length; at += size) {
      out.push(...stream.push(whole.subarray(at, at + size)));
    }
    assert.equal(stream.rate, RATE);
    assert.deepEqual(
      out,
      values.map((v) => v / 32768),
      `split every ${size} bytes`,
    );
  }
});

test('anything but a 16-bit mono WAV is refused', () => {
  assert.throws(() => new PcmStream().push(new Uint8Array(60)), ReadBackError);
  assert.throws(() => new PcmStream().push(header(RATE, { bits: 8 })), ReadBackError);
  assert.throws(() => new PcmStream().push(header(RATE, { channels: 2 })), ReadBackError);
});

test('a piece starts right after the last one, or a moment from now when behind', () => {
  assert.equal(nextStart(10, 0) > 10, true);
  assert.equal(nextStart(10, 0) < 10.1, true, 'the first piece sounds at once');
  assert.equal(nextStart(10, 12.5), 12.5, 'back to back, no gap, no overlap');
  assert.equal(nextStart(10, 9) >= 10, true, 'never in the past');
});

// A Web Audio context that records what was scheduled; sources end when the test says.
function fakeContext() {
  const sources = [];
  return {
    sources,
    currentTime: 5,
    state: 'running',
    destination: {},
    resume: async function () {
      this.state = 'running';
    },
    suspend: async function () {
      this.state = 'suspended';
    },
    createBuffer: (_channels, length, rate) => {
      const data = new Float32Array(length);
      return { duration: length / rate, length, getChannelData: () => data };
    },
    createBufferSource() {
      const source = new EventTarget();
      Object.assign(source, {
        connect() {},
        start(at) {
          source.at = at;
        },
        stop() {
          source.stopped = true;
        },
      });
      sources.push(source);
      return source;
    },
  };
}

// A fetch whose body the test feeds chunk by chunk.
function fakeFetch({ status = 200, error } = {}) {
  let controller;
  const body = new ReadableStream({
    start(c) {
      controller = c;
    },
  });
  const calls = [];
  const fetchImpl = async (url, init) => {
    calls.push([url, init]);
    if (status !== 200) return { ok: false, status, body: null, json: async () => ({ error }) };
    return { ok: true, status, body };
  };
  return {
    fetchImpl,
    calls,
    send: (bytes) => controller.enqueue(bytes),
    close: () => controller.close(),
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

test('the first piece sounds as soon as it arrives; the rest follow back to back', async () => {
  const ctx = fakeContext();
  const net = fakeFetch();
  const firstSounds = [];
  const player = new ReadBackPlayer({
    makeContext: () => /** @type {any} */ (ctx),
    fetchImpl: /** @type {any} */ (net.fetchImpl),
    onFirstSound: (at) => firstSounds.push(at),
  });
  const done = player.play('/api/entries/5/speech');
  let ended = false;
  done.then(() => {
    ended = true;
  });
  await tick();
  assert.equal(net.calls[0][0], '/api/entries/5/speech');
  assert.equal(net.calls[0][1].credentials, 'same-origin');
  net.send(concat(header(), pcm(new Array(4410).fill(1000)))); // the first piece, 0.2 s
  await tick();
  assert.equal(ctx.sources.length, 1, 'played before the stream ends');
  assert.equal(firstSounds.length, 1);
  assert.ok(ctx.sources[0].at - ctx.currentTime < 0.1);
  net.send(pcm(new Array(2205).fill(-1000)));
  await tick();
  assert.equal(ctx.sources.length, 2);
  assert.ok(Math.abs(ctx.sources[1].at - (ctx.sources[0].at + 0.2)) < 1e-9, 'back to back');
  net.close();
  await tick();
  assert.equal(ended, false, 'not over until the last piece has played');
  assert.equal(player.playing, true);
  ctx.sources[1].dispatchEvent(new Event('ended'));
  await tick();
  assert.equal(ended, true);
  assert.equal(player.playing, false);
  assert.equal(firstSounds.length, 1);
});

test('a refused read-back rejects with the server sentence; Stop silences it', async () => {
  const ctx = fakeContext();
  const refused = new ReadBackPlayer({
    makeContext: () => /** @type {any} */ (ctx),
    fetchImpl: /** @type {any} */ (
      fakeFetch({ status: 409, error: 'This answer has no words to read back yet.' }).fetchImpl
    ),
  });
  await assert.rejects(refused.play('/x'), /no words to read back/);

  const net = fakeFetch();
  const player = new ReadBackPlayer({
    makeContext: () => /** @type {any} */ (ctx),
    fetchImpl: /** @type {any} */ (net.fetchImpl),
  });
  const done = player.play('/y');
  await tick();
  net.send(concat(header(), pcm(new Array(4410).fill(1000))));
  await tick();
  const source = ctx.sources.at(-1);
  player.stop();
  await assert.rejects(done, { name: 'AbortError' });
  assert.equal(source.stopped, true);
  assert.equal(player.playing, false);
});

test('Pause suspends the read-back and Resume goes on', async () => {
  const ctx = fakeContext();
  const player = new ReadBackPlayer({ makeContext: () => /** @type {any} */ (ctx) });
  player.unlock();
  player.pause();
  await tick();
  assert.equal(ctx.state, 'suspended');
  player.resume();
  await tick();
  assert.equal(ctx.state, 'running');
});

test('the first phrase fetched ahead sounds at once; only the rest is fetched on play', async () => {
  const ctx = fakeContext();
  const first = fakeFetch();
  const rest = fakeFetch();
  const asked = [];
  const firstSounds = [];
  const player = new ReadBackPlayer({
    makeContext: () => /** @type {any} */ (ctx),
    fetchImpl: /** @type {any} */ (
      (url, init) => {
        asked.push(url);
        return (url.endsWith('?part=first') ? first : rest).fetchImpl(url, init);
      }
    ),
    onFirstSound: (at) => firstSounds.push(at),
  });
  const ready = player.prepare('/api/entries/5/speech');
  await tick();
  first.send(concat(header(), pcm(new Array(3000).fill(500))));
  first.close();
  assert.equal((await ready).samples.length, 3000);
  assert.deepEqual(asked, ['/api/entries/5/speech?part=first']);
  assert.equal(ctx.sources.length, 0, 'fetched ahead, not played');

  const done = player.play('/api/entries/5/speech');
  await tick();
  assert.equal(ctx.sources.length, 1, 'the first phrase plays before the rest has come');
  assert.equal(firstSounds.length, 1);
  assert.deepEqual(asked.slice(1), ['/api/entries/5/speech?part=rest']);
  rest.send(concat(header(), pcm(new Array(2205).fill(-500))));
  rest.close();
  await tick();
  assert.equal(ctx.sources.length, 2);
  assert.ok(Math.abs(ctx.sources[1].at - (ctx.sources[0].at + 3000 / RATE)) < 1e-9);
  ctx.sources[1].dispatchEvent(new Event('ended'));
  await done;

  // Another answer (or a corrected one): what was fetched ahead is not used for it.
  player.forget();
  const other = fakeFetch();
  const plain = new ReadBackPlayer({
    makeContext: () => /** @type {any} */ (ctx),
    fetchImpl: /** @type {any} */ (other.fetchImpl),
  });
  const stopped = plain.play('/api/entries/6/speech');
  await tick();
  assert.equal(other.calls[0][0], '/api/entries/6/speech', 'nothing ahead: the whole stream');
  plain.stop();
  await assert.rejects(stopped, { name: 'AbortError' });
});
