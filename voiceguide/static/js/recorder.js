// @ts-check
// A recording turn: MediaRecorder for the answer, an AnalyserNode for the level meter and
// for noticing when the person has spoken and then stayed quiet.

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

// Map an RMS amplitude to 0..1 on a 60 dB scale, which is how loudness feels.
export function levelFromRms(rms) {
  if (rms <= 0) return 0;
  return Math.min(1, Math.max(0, (20 * Math.log10(rms) + 60) / 60));
}

const TICK_MS = 50;
const SPOKE_AFTER_MS = 250; // this much voiced sound counts as having spoken
const FORGET_BLIP_MS = 600; // quiet after a shorter sound than that: it was not speech

export class Recording {
  /**
   * @param {MediaStream} stream the microphone
   * @param {AudioContext|null} context for the analyser (without one: no meter, no auto-stop)
   * @param {object} options pauseSeconds (null: never stop on silence), maxSeconds,
   *   reminderSeconds, giveUpSeconds, onLevel(level), onTick(seconds), onReminder(), onSpeech()
   */
  constructor(stream, context, options) {
    this.stream = stream;
    this.context = context;
    this.options = { reminderSeconds: 20, giveUpSeconds: 30, ...options };
    this.chunks = [];
    this.floor = 0.01;
    this.voicedMs = 0;
    this.firstVoiceAt = 0;
    this.lastVoiceAt = 0;
    this.reminded = false;
    this.reason = null;
  }

  get spoke() {
    return this.voicedMs >= SPOKE_AFTER_MS;
  }

  // Begin recording; resolves with {blob, type, seconds, spoke, speechSeconds, reason}.
  start() {
    const type = pickMimeType();
    this.recorder = new MediaRecorder(this.stream, type ? { mimeType: type } : undefined);
    this.recorder.addEventListener('dataavailable', (event) => {
      if (event.data.size) this.chunks.push(event.data);
    });
    if (this.context) {
      this.source = this.context.createMediaStreamSource(this.stream);
      this.analyser = this.context.createAnalyser();
      this.analyser.fftSize = 1024;
      this.samples = new Float32Array(this.analyser.fftSize);
      this.source.connect(this.analyser);
    }
    this.startedAt = performance.now();
    this.lastTick = -1;
    const done = new Promise((resolve) => {
      this.recorder.addEventListener('stop', () => {
        const seconds = (performance.now() - this.startedAt) / 1000;
        const keep = this.reason !== 'cancel' && this.reason !== 'no-speech';
        const mime = this.recorder.mimeType || type || 'audio/webm';
        resolve({
          blob: keep ? new Blob(this.chunks, { type: mime }) : null,
          type: mime,
          seconds,
          spoke: this.spoke,
          speechSeconds: this.spoke ? (this.lastVoiceAt - this.firstVoiceAt) / 1000 : 0,
          reason: this.reason,
        });
      });
    });
    this.recorder.start(1000);
    this.timer = setInterval(() => this.sample(), TICK_MS);
    return done;
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
    this.analyser.getFloatTimeDomainData(this.samples);
    let sum = 0;
    for (const value of this.samples) sum += value * value;
    const rms = Math.sqrt(sum / this.samples.length);
    o.onLevel?.(levelFromRms(rms));
    // Voice is sound well above the room's own noise floor, which we keep learning.
    const threshold = Math.min(0.08, Math.max(0.01, this.floor * 3.5));
    if (rms > threshold) {
      const wasSpoken = this.spoke;
      this.voicedMs += TICK_MS;
      if (!this.firstVoiceAt) this.firstVoiceAt = now;
      this.lastVoiceAt = now;
      this.reminded = false;
      if (!wasSpoken && this.spoke) o.onSpeech?.();
    } else {
      if (!this.spoke && this.firstVoiceAt && now - this.lastVoiceAt > FORGET_BLIP_MS) {
        // A click or a cough before any speech: the speech starts with the next sound,
        // so that a command said later still measures as the word or two it is.
        this.voicedMs = 0;
        this.firstVoiceAt = 0;
      }
      this.floor = rms < this.floor ? rms : this.floor + (rms - this.floor) * 0.01;
    }
    const quietMs = now - (this.spoke ? this.lastVoiceAt : this.startedAt);
    if (this.spoke && o.pauseSeconds && quietMs >= o.pauseSeconds * 1000) {
      return this.stop('silence');
    }
    if (!this.reminded && quietMs >= o.reminderSeconds * 1000) {
      this.reminded = true;
      o.onReminder?.();
    }
    if (quietMs >= o.giveUpSeconds * 1000) this.stop(this.spoke ? 'silence' : 'no-speech');
  }

  // Stop and keep the answer.
  finish() {
    this.stop('done');
  }

  // Stop and throw the recording away.
  cancel() {
    this.stop('cancel');
  }

  stop(reason) {
    if (this.reason) return;
    this.reason = reason;
    clearInterval(this.timer);
    if (this.recorder.state !== 'inactive') this.recorder.stop();
    this.source?.disconnect();
    for (const track of this.stream.getTracks()) track.stop();
  }
}
