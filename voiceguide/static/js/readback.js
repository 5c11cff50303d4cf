// @ts-check
// "Read it back": a person's answer spoken by the narration voice, streamed by the server as
// one WAV of unknown length (a header, then 16-bit PCM piece by piece), and played through
// Web Audio as the bytes arrive. An <audio> element would wait to buffer the stream before
// its first sound; here the first piece sounds as soon as it is here. Nothing is stored.

import { abortError } from './dom.js';

const FIRST_LEAD_S = 0.03; // the first buffer starts this soon (a clean start, no click)
const MIN_SAMPLES = 2048; // smaller pieces wait for more (except the last)

/** The WAV stream could not be read. */
export class ReadBackError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'ReadBackError';
  }
}

/**
 * Parses a streamed 16-bit mono WAV: bytes in (any split), samples out (-1..1).
 */
export class PcmStream {
  constructor() {
    /** @type {Uint8Array} bytes of the header not yet understood */
    this.head = new Uint8Array(0);
    this.rate = 0;
    this.inData = false;
    /** @type {number|null} a sample's first byte, split from its second */
    this.odd = null;
  }

  /**
   * Take the next bytes of the stream; the samples they complete.
   * @param {Uint8Array} bytes
   * @returns {Float32Array}
   */
  push(bytes) {
    if (!this.inData) {
      const joined = new Uint8Array(this.head.length + bytes.length);
      joined.set(this.head);
      joined.set(bytes, this.head.length);
      const start = this.readHeader(joined);
      if (start < 0) {
        this.head = joined;
        return new Float32Array(0);
      }
      this.head = new Uint8Array(0);
      bytes = joined.subarray(start);
    }
    return this.samples(bytes);
  }

  /**
   * Where the PCM starts in `bytes` (a whole header read), or -1 when more is needed.
   * @param {Uint8Array} bytes
   */
  readHeader(bytes) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const tag = (/** @type {number} */ at) => String.fromCharCode(...bytes.subarray(at, at + 4));
    if (bytes.length < 12) return -1;
    if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new ReadBackError('not a WAV stream');
    let at = 12;
    while (at + 8 <= bytes.length) {
      const id = tag(at);
      const size = view.getUint32(at + 4, true);
      if (id === 'data') {
        if (!this.rate) throw new ReadBackError('a WAV stream without its format');
        this.inData = true;
        return at + 8;
      }
      if (at + 8 + size > bytes.length) return -1;
      if (id === 'fmt ') {
        const format = view.getUint16(at + 8, true);
        const channels = view.getUint16(at + 10, true);
        const bits = view.getUint16(at + 22, true);
        if (format !== 1 || channels !== 1 || bits !== 16) {
          throw new ReadBackError('only 16-bit mono PCM is read back');
        }
        this.rate = view.getUint32(at + 12, true);
      }
      at += 8 + size + (size % 2);
    }
    return -1;
  }

  /**
   * @param {Uint8Array} bytes PCM, little-endian 16-bit
   * @returns {Float32Array}
   */
  samples(bytes) {
    if (this.odd !== null) {
      const joined = new Uint8Array(bytes.length + 1);
      joined[0] = this.odd;
      joined.set(bytes, 1);
      bytes = joined;
      this.odd = null;
    }
    const out = new Float32Array(bytes.length >> 1);
    for (let n = 0; n < out.length; n++) out[n] = toFloat(bytes[2 * n] | (bytes[2 * n + 1] << 8));
    if (bytes.length % 2) this.odd = bytes[bytes.length - 1];
    return out;
  }
}

/** @param {number} word an unsigned 16-bit value */
function toFloat(word) {
  const signed = word >= 0x8000 ? word - 0x10000 : word;
  return signed / 0x8000;
}

/**
 * When the next buffer starts: right after the last one, or (the first, or after the stream
 * fell behind) a moment from now.
 * @param {number} now the context's time, s
 * @param {number} endOfLast when the last scheduled buffer ends (0: none yet)
 */
export function nextStart(now, endOfLast) {
  return Math.max(now + FIRST_LEAD_S, endOfLast);
}

/**
 * The samples of a streamed WAV, batch by batch as they arrive (batches of at least
 * MIN_SAMPLES, except the last).
 * @param {typeof fetch} fetchImpl
 * @param {string} url
 * @param {AbortSignal} signal
 * @returns {AsyncGenerator<{samples: Float32Array, rate: number}>}
 */
async function* streamed(fetchImpl, url, signal) {
  const response = await fetchImpl(url, { credentials: 'same-origin', signal });
  if (!response.ok || !response.body) {
    const body = await response.json().catch(() => ({}));
    throw new ReadBackError(body.error || `the server answered ${response.status}`);
  }
  const reader = response.body.getReader();
  const cancel = () => reader.cancel().catch(() => {});
  signal.addEventListener('abort', cancel, { once: true });
  const pcm = new PcmStream();
  /** @type {Float32Array[]} */
  let waiting = [];
  let count = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (signal.aborted) throw abortError();
      const samples = value ? pcm.push(value) : null;
      if (samples?.length) {
        waiting.push(samples);
        count += samples.length;
      }
      if (count && (done || count >= MIN_SAMPLES)) {
        yield { samples: joined(waiting, count), rate: pcm.rate };
        waiting = [];
        count = 0;
      }
      if (done) return;
    }
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}

/**
 * @param {Float32Array[]} parts
 * @param {number} count their total length
 */
function joined(parts, count) {
  if (parts.length === 1) return parts[0];
  const out = new Float32Array(count);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Plays read-back streams, one at a time, with its own AudioContext (Pause suspends it).
 * A transcript card fetches its answer's first phrase ahead (prepare): Read it back then
 * sounds at once, and only the rest is made while it plays.
 */
export class ReadBackPlayer {
  /**
   * @param {object} [deps]
   * @param {() => AudioContext} [deps.makeContext]
   * @param {typeof fetch} [deps.fetchImpl]
   * @param {(atMs: number) => void} [deps.onFirstSound] when the first sound plays
   *   (performance.now() clock)
   */
  constructor({
    makeContext = () => new AudioContext(),
    fetchImpl = (...args) => fetch(...args),
    onFirstSound = () => {},
  } = {}) {
    this.makeContext = makeContext;
    this.fetchImpl = fetchImpl;
    this.onFirstSound = onFirstSound;
    /** @type {AudioContext|null} */
    this.context = null;
    /** @type {AbortController|null} */
    this.current = null;
    /** @type {{url: string, controller: AbortController,
     *   ready: Promise<{samples: Float32Array, rate: number}|null>}|null} */
    this.prepared = null;
  }

  get playing() {
    return this.current !== null;
  }

  // Call from a click when possible: the context may only start after a gesture.
  unlock() {
    this.context ??= this.makeContext();
    if (this.context.state === 'suspended') this.context.resume().catch(() => {});
    return this.context;
  }

  /**
   * Fetch the first phrase of `url` ahead, into memory only (never a cache, never storage).
   * @param {string} url
   */
  prepare(url) {
    this.forget();
    const controller = new AbortController();
    const collect = async () => {
      /** @type {Float32Array[]} */
      const parts = [];
      let rate = 0;
      let count = 0;
      for await (const batch of streamed(this.fetchImpl, `${url}?part=first`, controller.signal)) {
        parts.push(batch.samples);
        count += batch.samples.length;
        rate = batch.rate;
      }
      return count ? { samples: joined(parts, count), rate } : null;
    };
    const ready = collect().catch(() => null); // then play() fetches all of it
    this.prepared = { url, controller, ready };
    return ready;
  }

  // The answer changed (a correction) or went away: what was fetched ahead is dropped.
  forget() {
    this.prepared?.controller.abort();
    this.prepared = null;
  }

  /**
   * Fetch and play `url` to its end; rejects on an HTTP error, a broken stream or abort.
   * @param {string} url
   * @param {{signal?: AbortSignal}} [options]
   * @returns {Promise<void>}
   */
  async play(url, { signal } = {}) {
    this.stop();
    const mine = new AbortController();
    this.current = mine;
    const stopMine = () => mine.abort();
    signal?.addEventListener('abort', stopMine, { once: true });
    if (signal?.aborted) mine.abort();
    const ctx = this.unlock();
    /** @type {AudioBufferSourceNode[]} */
    const sources = [];
    let end = 0;
    /** @param {{samples: Float32Array, rate: number}} batch */
    const schedule = ({ samples, rate }) => {
      const buffer = ctx.createBuffer(1, samples.length, rate);
      buffer.getChannelData(0).set(samples);
      const source = ctx.createBufferSource();
      source.buffer = buffer;
      source.connect(ctx.destination);
      const start = nextStart(ctx.currentTime, end);
      source.start(start);
      if (!sources.length) {
        this.onFirstSound(performance.now() + (start - ctx.currentTime) * 1000);
      }
      sources.push(source);
      end = start + buffer.duration;
    };
    try {
      const first = this.prepared?.url === url ? await this.prepared.ready : null;
      if (mine.signal.aborted) throw abortError();
      if (first) schedule(first);
      const rest = first ? `${url}?part=rest` : url;
      for await (const batch of streamed(this.fetchImpl, rest, mine.signal)) schedule(batch);
      const last = sources.at(-1);
      if (last) await endOf(last, mine.signal);
    } catch (error) {
      for (const source of sources) {
        try {
          source.stop();
        } catch {
          // Not started yet, or already over.
        }
      }
      if (mine.signal.aborted) throw abortError();
      throw error;
    } finally {
      signal?.removeEventListener('abort', stopMine);
      if (this.current === mine) this.current = null;
    }
  }

  pause() {
    if (this.context?.state === 'running') this.context.suspend().catch(() => {});
  }

  resume() {
    if (this.context?.state === 'suspended') this.context.resume().catch(() => {});
  }

  stop() {
    this.current?.abort();
    this.current = null;
    this.resume();
  }
}

/**
 * @param {AudioBufferSourceNode} source
 * @param {AbortSignal} signal
 * @returns {Promise<void>}
 */
function endOf(source, signal) {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortError());
    source.addEventListener(
      'ended',
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      { once: true },
    );
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
