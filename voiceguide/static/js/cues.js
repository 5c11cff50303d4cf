// @ts-check
// Short spoken cues in the narration voice ("Saved", a reminder), rendered by the server like
// any narration; a tone stands in for a cue the program does not have.

import { reminderTone } from './tones.js';

const LONGEST_CUE_MS = 10000;

export class Cues {
  /** @param {Record<string, string>} urls cue name -> narration URL */
  constructor(urls) {
    this.urls = urls;
  }

  /**
   * Play a cue to its end (or until it fails: a cue is a courtesy).
   * @param {string} name
   * @returns {Promise<void>}
   */
  play(name) {
    const url = this.urls[name];
    if (!url) return name === 'reminder' ? reminderTone() : Promise.resolve();
    const audio = new Audio(url);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, LONGEST_CUE_MS);
      audio.addEventListener('ended', done, { once: true });
      audio.addEventListener('error', done, { once: true });
      audio.play().catch(done);
    });
  }
}
