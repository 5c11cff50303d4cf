// @ts-check
// Deciding from sound levels whether the person has spoken, and when they have finished.
// Pure: the recorder feeds it one level per tick; nothing here touches the browser.

export const TICK_MS = 50;
const SPOKE_AFTER_MS = 250; // this much voiced sound counts as having spoken
const FORGET_BLIP_MS = 600; // quiet after a shorter sound than that: it was not speech

/**
 * The RMS amplitude of one window of samples (-1..1).
 * @param {ArrayLike<number>} samples
 */
export function rmsOf(samples) {
  if (!samples.length) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
  return Math.sqrt(sum / samples.length);
}

/**
 * The RMS of what an AnalyserNode (or anything with its method) holds now.
 * @param {{getFloatTimeDomainData(array: Float32Array): void}} analyser
 * @param {Float32Array} samples a buffer of the analyser's fftSize
 */
export function readRms(analyser, samples) {
  analyser.getFloatTimeDomainData(samples);
  return rmsOf(samples);
}

/**
 * Map an RMS amplitude to 0..1 on a 60 dB scale, which is how loudness feels (the meter).
 * @param {number} rms
 */
export function levelFromRms(rms) {
  if (rms <= 0) return 0;
  return Math.min(1, Math.max(0, (20 * Math.log10(rms) + 60) / 60));
}

/**
 * @typedef {object} VoiceOptions
 * @property {number|null} [pauseSeconds] quiet after speech that ends the answer (null: never)
 * @property {number} [reminderSeconds] quiet before a reminder
 * @property {number|null} [giveUpSeconds] quiet before the turn ends anyway (null: never)
 * @property {number|null} [settleSeconds] quiet after an answer clearly heard (speech longer
 *   than `settleAfterSpeechS`) that saves it early, while the turn keeps listening until
 *   `pauseSeconds` (null: never)
 * @property {number} [settleAfterSpeechS] how much speech makes an answer clearly heard
 */

/**
 * @typedef {object} Heard
 * @property {boolean} spokeNow the person has just begun to speak (once per turn)
 * @property {boolean} remind time for a reminder (once per stretch of quiet)
 * @property {'silence'|'no-speech'|null} stop why the turn should end now, if it should
 * @property {boolean} [settle] the answer may be saved now (the turn goes on listening)
 * @property {boolean} [resumed] the person spoke again after the answer was saved early
 */

export class VoiceActivity {
  /**
   * @param {VoiceOptions} options
   * @param {number} startedAt when the turn began (ms, the same clock as `now` below)
   */
  constructor(options, startedAt) {
    this.options = { reminderSeconds: 20, giveUpSeconds: 30, pauseSeconds: null, ...options };
    this.startedAt = startedAt;
    this.floor = 0.01;
    this.voicedMs = 0;
    this.firstVoiceAt = 0;
    this.lastVoiceAt = 0;
    this.reminded = false;
    this.settled = false; // saved early, and nothing said since
    this.settledOnce = false; // once per turn: after more is said, the full pause ends it
    this.deafUntil = 0;
  }

  /**
   * Hear nothing until `until` (ms): a cue played by the page is not the person's voice.
   * @param {number} until
   */
  deafen(until) {
    this.deafUntil = Math.max(this.deafUntil, until);
  }

  /**
   * Move the turn's clock on by `ms` (a pause): quiet during a pause is not quiet heard.
   * @param {number} ms
   */
  shift(ms) {
    this.startedAt += ms;
    if (this.firstVoiceAt) this.firstVoiceAt += ms;
    if (this.lastVoiceAt) this.lastVoiceAt += ms;
  }

  get spoke() {
    return this.voicedMs >= SPOKE_AFTER_MS;
  }

  // How long the speech lasted, from its first to its last voiced tick.
  get speechSeconds() {
    return this.spoke ? (this.lastVoiceAt - this.firstVoiceAt) / 1000 : 0;
  }

  /**
   * One tick: the level heard at `now` (ms).
   * @param {number} rms
   * @param {number} now
   * @returns {Heard}
   */
  hear(rms, now) {
    const o = this.options;
    let spokeNow = false;
    let remind = false;
    let resumed = false;
    if (now < this.deafUntil) rms = 0;
    // Voice is sound well above the room's own noise floor, which we keep learning.
    const threshold = Math.min(0.08, Math.max(0.01, this.floor * 3.5));
    if (rms > threshold) {
      const wasSpoken = this.spoke;
      this.voicedMs += TICK_MS;
      if (!this.firstVoiceAt) this.firstVoiceAt = now;
      this.lastVoiceAt = now;
      this.reminded = false;
      spokeNow = !wasSpoken && this.spoke;
      resumed = this.settled;
      this.settled = false;
    } else {
      if (!this.spoke && this.firstVoiceAt && now - this.lastVoiceAt > FORGET_BLIP_MS) {
        // A click or a cough before any speech: the speech starts with the next sound,
        // so that a command said later still measures as the word or two it is.
        this.voicedMs = 0;
        this.firstVoiceAt = 0;
      }
      if (now >= this.deafUntil) {
        this.floor = rms < this.floor ? rms : this.floor + (rms - this.floor) * 0.01;
      }
    }
    const quietMs = now - (this.spoke ? this.lastVoiceAt : this.startedAt);
    if (this.spoke && o.pauseSeconds && quietMs >= o.pauseSeconds * 1000) {
      return { spokeNow, remind, stop: 'silence', resumed };
    }
    // Saved early (the turn still listens until the pause above): once per stretch of quiet.
    const settle =
      this.spoke &&
      !this.settledOnce &&
      !!o.settleSeconds &&
      quietMs >= o.settleSeconds * 1000 &&
      this.speechSeconds > (o.settleAfterSpeechS ?? 0);
    if (settle) {
      this.settled = true;
      this.settledOnce = true;
    }
    // null or Infinity: never (a person's choice for give-up; reminders stay on).
    if (!this.reminded && o.reminderSeconds && quietMs >= o.reminderSeconds * 1000) {
      this.reminded = true;
      remind = true;
    }
    if (o.giveUpSeconds && quietMs >= o.giveUpSeconds * 1000) {
      return { spokeNow, remind, stop: this.spoke ? 'silence' : 'no-speech', settle, resumed };
    }
    return { spokeNow, remind, stop: null, settle, resumed };
  }
}
