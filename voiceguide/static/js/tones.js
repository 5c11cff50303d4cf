// @ts-check
// Soft cue tones made with Web Audio (no files), and the page's one AudioContext.

import { sleep } from './dom.js';

let context = null;

export function audioContext() {
  if (!context) {
    // webkitAudioContext: older Safari.
    const Context = window.AudioContext || /** @type {any} */ (window).webkitAudioContext;
    context = Context ? new Context() : null;
  }
  return context;
}

// Call from a click: browsers only let audio start after the person did something.
export async function unlockAudio() {
  const ctx = audioContext();
  if (ctx && ctx.state === 'suspended') {
    try {
      await ctx.resume();
    } catch {
      // Tones are a courtesy; the session goes on without them.
    }
  }
}

function note(ctx, frequency, start, length, peak) {
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  osc.type = 'sine';
  osc.frequency.value = frequency;
  gain.gain.setValueAtTime(0.0001, start);
  gain.gain.exponentialRampToValueAtTime(peak, start + 0.04);
  gain.gain.exponentialRampToValueAtTime(0.0001, start + length);
  osc.connect(gain).connect(ctx.destination);
  osc.start(start);
  osc.stop(start + length + 0.05);
}

function play(notes, signal) {
  const ctx = audioContext();
  let end = 0;
  if (ctx && ctx.state === 'running') {
    const now = ctx.currentTime + 0.02;
    for (const [frequency, offset, length] of notes) {
      note(ctx, frequency, now + offset, length, 0.12);
      end = Math.max(end, offset + length);
    }
  } else {
    end = Math.max(...notes.map(([, offset, length]) => offset + length));
  }
  // Wait until the tone has faded so it is not caught by the recording.
  return sleep(end * 1000 + 120, signal);
}

// The cue before a recording turn: one short, soft note.
export function softTone(signal) {
  return play([[660, 0, 0.35]], signal);
}

// A gentle reminder when nothing has been said for a while: two falling notes.
export function reminderTone(signal) {
  return play(
    [
      [587, 0, 0.3],
      [494, 0.32, 0.4],
    ],
    signal,
  );
}

// An answer reached the journal: two soft rising notes (a different shape from the others).
export function savedTone(signal) {
  return play(
    [
      [523, 0, 0.18],
      [784, 0.16, 0.3],
    ],
    signal,
  );
}
