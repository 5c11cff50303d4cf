// @ts-check
// The narration player: one <audio> element, playing one part at a time.

import { abortError } from './dom.js';

const SLOW_MS = 800; // a part not sounding by then is still being made: say so

export class NarrationError extends Error {
  constructor(url) {
    super('The narration could not be played.');
    this.name = 'NarrationError';
    this.url = url;
  }
}

export class NarrationPlayer {
  constructor(audio) {
    this.audio = audio;
    this.rate = 1;
    this.keepPitch();
  }

  keepPitch() {
    this.audio.preservesPitch = true;
    this.audio.webkitPreservesPitch = true; // older Safari
    this.audio.mozPreservesPitch = true; // older Firefox
  }

  setRate(rate) {
    this.rate = rate;
    this.audio.defaultPlaybackRate = rate;
    this.audio.playbackRate = rate;
    this.keepPitch();
  }

  /**
   * Play `url` from `startAt` seconds; resolve when it ends, reject on error or abort.
   * `onSlow` is called when no sound has come after SLOW_MS (a part still being prepared).
   * @param {string} url
   * @param {{startAt?: number, signal?: AbortSignal, onSlow?: () => void}} [options]
   * @returns {Promise<void>}
   */
  play(url, { startAt = 0, signal, onSlow } = {}) {
    const audio = this.audio;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError());
      const slow = onSlow ? setTimeout(onSlow, SLOW_MS) : undefined;
      const onPlaying = () => clearTimeout(slow);
      audio.addEventListener('playing', onPlaying, { once: true });
      const cleanup = () => {
        clearTimeout(slow);
        audio.removeEventListener('playing', onPlaying);
        audio.removeEventListener('ended', onEnded);
        audio.removeEventListener('error', onError);
        signal?.removeEventListener('abort', onAbort);
      };
      const onEnded = () => {
        cleanup();
        resolve();
      };
      const onError = () => {
        cleanup();
        reject(new NarrationError(url));
      };
      const onAbort = () => {
        cleanup();
        audio.pause();
        reject(abortError());
      };
      audio.addEventListener('ended', onEnded);
      audio.addEventListener('error', onError);
      signal?.addEventListener('abort', onAbort, { once: true });
      audio.src = url;
      this.setRate(this.rate);
      if (startAt > 0) {
        audio.addEventListener(
          'loadedmetadata',
          () => {
            if (startAt < audio.duration - 0.5) audio.currentTime = startAt;
          },
          { once: true },
        );
      }
      audio.play().catch((error) => {
        // AbortError: a newer src replaced this one, which is how skipping works.
        if (error.name === 'AbortError') return;
        cleanup();
        reject(error.name === 'NotAllowedError' ? error : new NarrationError(url));
      });
    });
  }

  pause() {
    this.audio.pause();
  }

  resume() {
    return this.audio.play().catch(() => {});
  }

  back(seconds) {
    this.audio.currentTime = Math.max(0, this.audio.currentTime - seconds);
  }

  stop() {
    this.audio.pause();
  }

  get position() {
    return this.audio.currentTime || 0;
  }
}
