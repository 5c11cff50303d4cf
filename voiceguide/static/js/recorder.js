// @ts-check
// A recording turn: MediaRecorder for the answer, an AnalyserNode for the level meter and
// for noticing when the person has spoken and then stayed quiet (js/voice.js decides).

import { levelFromRms, readRms, TICK_MS, VoiceActivity } from './voice.js';

const MIME_TYPES = [
  'audio/webm;codecs=opus',
  'audio/ogg;codecs=opus',
  'audio/webm',
  'audio/ogg',
  'audio/mp4;codecs=mp4a.40.2',
  'audio/mp4',
  'audio/wav',
];

export function pickMimeType() {
  if (typeof MediaRecorder === 'undefined') return null;
  if (typeof MediaRecorder.isTypeSupported !== 'function') return '';
  return MIME_TYPES.find((type) => MediaRecorder.isTypeSupported(type)) ?? '';
}

export function extensionFor(type) {
  if (type.includes('webm')) return 'webm';
  if (type.includes('ogg')) return 'ogg';
  if (type.includes('mp4') || type.includes('aac')) return 'm4a';
  if (type.includes('wav')) return 'wav';
  return 'audio';
}

const MIC_MESSAGES = {
  unsupported: 'This browser cannot record audio on this page. You can type your answer instead.',
  insecure:
    'Recording needs a secure connection (an https address, or this computer\u2019s own ' +
    'address), and this page has none. Ask the person who runs this site, or type your ' +
    'answer in the box below.',
  denied:
    'The microphone is blocked for this site, so your answer cannot be recorded. To answer ' +
    'out loud, allow the microphone in your browser\u2019s site settings (usually the icon ' +
    'beside the address bar), then press \u201cTry the microphone again\u201d. Or type your ' +
    'answer in the box below.',
  missing:
    'No microphone was found. Connect one, then press \u201cTry the microphone again\u201d. ' +
    'Or type your answer in the box below.',
  busy:
    'The microphone could not start; another program may be using it. Close that program, ' +
    'then press \u201cTry the microphone again\u201d. Or type your answer in the box below.',
};

export class MicrophoneError extends Error {
  constructor(kind, cause) {
    super(MIC_MESSAGES[kind] ?? MIC_MESSAGES.busy);
    this.name = 'MicrophoneError';
    this.kind = kind;
    this.cause = cause;
  }
}

export async function openMicrophone() {
  if (!window.isSecureContext) throw new MicrophoneError('insecure');
  if (!navigator.mediaDevices?.getUserMedia || pickMimeType() === null) {
    throw new MicrophoneError('unsupported');
  }
  try {
    // Browser noise suppression smears short words for the recogniser (measured with
    // Whisper tiny.en: "skip this question" heard right 6 times in 6 without it, 2 in 3
    // with it), and nothing plays while we record, so there is no echo to cancel.
    return await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: true },
    });
  } catch (error) {
    const kind =
      error.name === 'NotAllowedError' || error.name === 'SecurityError'
        ? 'denied'
        : error.name === 'NotFoundError' || error.name === 'OverconstrainedError'
          ? 'missing'
          : 'busy';
    throw new MicrophoneError(kind, error);
  }
}

/**
 * @typedef {object} RecordingOptions
 * @property {number|null} [pauseSeconds] quiet after speech that ends the answer (null: never)
 * @property {number} maxSeconds the longest recording
 * @property {number} [reminderSeconds]
 * @property {number|null} [giveUpSeconds] null: never
 * @property {(level: number) => void} [onLevel] the meter, 0..1
 * @property {(seconds: number) => void} [onTick] whole seconds recorded so far
 * @property {() => void} [onReminder]
 * @property {() => void} [onSpeech] the person has begun to speak
 * @property {(blob: Blob) => void} [onChunk] each chunk as the recorder delivers it (js/stream.js)
 * @property {number} [timesliceMs] how often the recorder delivers a chunk
 * @property {() => boolean} [serverEndsTurn] true: the server's voice activity ends the turn
 * @property {number|null} [settleSeconds] see VoiceOptions (voice.js)
 * @property {number} [settleAfterSpeechS]
 * @property {(early: RecordingResult) => void} [onSettle] the answer so far, to be saved
 *   early (the recording goes on until the full pause)
 * @property {() => void} [onResume] the person spoke again after that
 */

/**
 * @typedef {object} RecordingResult
 * @property {Blob|null} blob null when the recording was cancelled or nothing was said
 * @property {string} type
 * @property {number} seconds
 * @property {boolean} spoke
 * @property {number} speechSeconds
 * @property {'limit'|'silence'|'no-speech'|'done'|'left'|'cancel'|null} reason
 *   left: the turn was left (Skip, Repeat...) after the person had spoken: kept as the answer
 */

export class Recording {
  /**
   * @param {MediaStream} stream the microphone
   * @param {AudioContext|null} context for the analyser (without one: no meter, no auto-stop)
   * @param {RecordingOptions} options
   */
  constructor(stream, context, options) {
    this.stream = stream;
    this.context = context;
    this.options = options;
    /** @type {Blob[]} */
    this.chunks = [];
    /** @type {RecordingResult['reason']} */
    this.reason = null;
    /** @type {AnalyserNode|null} */
    this.analyser = null;
    /** @type {MediaStreamAudioSourceNode|null} */
    this.source = null;
    this.voice = new VoiceActivity(options, 0);
    /** @type {number|undefined} when Pause held the recording */
    this.pausedAt = undefined;
    this.startedAt = 0;
    /** @type {RecordingResult|null} the answer as it was saved early, if it was */
    this.early = null;
    this.resumedAfterEarly = false;
  }

  /** Saved early and nothing said since: what is still recorded is only quiet. */
  get settled() {
    return this.early !== null && !this.resumedAfterEarly;
  }

  /**
   * Hear nothing for `ms`: a cue the page plays now is not the person's voice.
   * @param {number} ms
   */
  deafen(ms) {
    this.voice.deafen(performance.now() + ms);
  }

  // The recording so far, as a file of its own (MediaRecorder's chunks so far make one).
  saveEarly() {
    const recorder = this.recorder;
    if (recorder?.state !== 'recording') return;
    recorder.addEventListener(
      'dataavailable',
      () => {
        if (this.reason) return; // ended meanwhile: the whole recording is the answer
        const type = recorder.mimeType || 'audio/webm';
        this.early = {
          blob: new Blob(this.chunks, { type }),
          type,
          seconds: (performance.now() - this.startedAt) / 1000,
          spoke: true,
          speechSeconds: this.voice.speechSeconds,
          reason: 'silence',
        };
        this.options.onSettle?.(this.early);
        if (!this.voice.settled) {
          // The person spoke again while the file was being made.
          this.resumedAfterEarly = true;
          this.options.onResume?.();
        }
      },
      { once: true },
    );
    recorder.requestData();
  }

  /**
   * Begin recording.
   * @returns {Promise<RecordingResult>}
   */
  start() {
    const type = pickMimeType();
    this.recorder = new MediaRecorder(this.stream, type ? { mimeType: type } : undefined);
    this.recorder.addEventListener('dataavailable', (event) => {
      if (!event.data.size) return;
      this.chunks.push(event.data);
      this.options.onChunk?.(event.data);
    });
    if (this.context) {
      this.source = this.context.createMediaStreamSource(this.stream);
      this.analyser = this.context.createAnalyser();
      this.analyser.fftSize = 1024;
      this.samples = new Float32Array(this.analyser.fftSize);
      this.source.connect(this.analyser);
    }
    this.startedAt = performance.now();
    this.voice = new VoiceActivity(this.options, this.startedAt);
    this.lastTick = -1;
    const done = new Promise((resolve) => {
      this.recorder.addEventListener('stop', () => {
        const seconds = (performance.now() - this.startedAt) / 1000;
        const keep = this.reason !== 'cancel' && this.reason !== 'no-speech';
        clearInterval(this.timer);
        const mime = this.recorder.mimeType || type || 'audio/webm';
        resolve({
          blob: keep ? new Blob(this.chunks, { type: mime }) : null,
          type: mime,
          seconds,
          spoke: this.voice.spoke,
          speechSeconds: this.voice.speechSeconds,
          reason: this.reason,
        });
      });
    });
    this.recorder.start(this.options.timesliceMs ?? 1000);
    this.timer = setInterval(() => this.sample(), TICK_MS);
    return done;
  }

  /** True once the person has said something in this turn. */
  get spoke() {
    return this.voice.spoke;
  }

  get paused() {
    return this.pausedAt !== undefined;
  }

  // Hold the recording (Pause): nothing is recorded, and the quiet is not counted.
  pause() {
    if (this.reason || this.paused) return;
    this.pausedAt = performance.now();
    clearInterval(this.timer);
    if (this.recorder?.state === 'recording') this.recorder.pause();
  }

  // Go on with the same recording (Resume): the answer continues where it was held.
  resume() {
    if (this.reason || !this.paused) return;
    const held = performance.now() - /** @type {number} */ (this.pausedAt);
    this.pausedAt = undefined;
    this.startedAt += held;
    this.voice.shift(held);
    if (this.recorder?.state === 'paused') this.recorder.resume();
    this.timer = setInterval(() => this.sample(), TICK_MS);
  }

  sample() {
    const now = performance.now();
    const elapsed = (now - this.startedAt) / 1000;
    const o = this.options;
    if (Math.floor(elapsed) !== this.lastTick) {
      this.lastTick = Math.floor(elapsed);
      o.onTick?.(this.lastTick);
    }
    if (elapsed >= o.maxSeconds) return this.stop('limit');
    if (!this.analyser) return;
    const rms = readRms(this.analyser, this.samples);
    o.onLevel?.(levelFromRms(rms));
    const heard = this.voice.hear(rms, now);
    if (heard.spokeNow) o.onSpeech?.();
    if (heard.remind) o.onReminder?.();
    if (heard.settle) this.saveEarly();
    if (heard.resumed && this.early) {
      this.resumedAfterEarly = true;
      o.onResume?.();
    }
    // While the server's voice activity is heard from, a pause ends the turn by it (js/stream.js).
    const quietMs = now - (this.voice.lastVoiceAt || now);
    const byServer = o.serverEndsTurn?.() && quietMs < (o.giveUpSeconds ?? 30) * 1000;
    if (heard.stop && !(heard.stop === 'silence' && byServer)) this.stop(heard.stop);
  }

  // Stop and keep the answer.
  finish() {
    this.stop('done');
  }

  // Stop and throw the recording away (only when the person chose to: Record again).
  cancel() {
    this.stop('cancel');
  }

  // The turn is left (Skip, Repeat, a move elsewhere): what was said is kept as the answer;
  // a turn with nothing said is simply cancelled.
  leave() {
    this.stop(this.spoke ? 'left' : 'cancel');
  }

  /** @param {NonNullable<RecordingResult['reason']>} reason */
  stop(reason) {
    if (this.reason) return;
    if (this.paused) this.resume();
    this.reason = reason;
    clearInterval(this.timer);
    if (this.recorder && this.recorder.state !== 'inactive') this.recorder.stop();
    this.source?.disconnect();
    for (const track of this.stream.getTracks()) track.stop();
  }
}
