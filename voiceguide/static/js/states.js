// @ts-check
// The guided session's states and the moves allowed between them. Session (flow.js) changes
// its state only through move(); a move the table does not allow is a bug, and throws.
//
//   idle       nothing has started on this page
//   playing    a part's narration (or the listening-only moment after a question)
//   answering  a recording turn: the tone, the microphone, the recording
//   sending    a recorded answer on its way (a voice command, or the journal)
//   typing     a typed-answer form is open for the question
//   waiting    hands-free is off: waiting for Continue (or Record answer)
//   paused     paused by the person, a voice command, silence or an error
//   done       the stage is complete

/** @typedef {'idle'|'playing'|'answering'|'sending'|'typing'|'waiting'|'paused'|'done'} State */
/** @typedef {'play'|'listen'|'send'|'type'|'wait'|'pause'|'resume'|'finish'} Move */

/** @type {Readonly<Record<State, Readonly<Partial<Record<Move, State>>>>>} */
export const TABLE = Object.freeze({
  // An empty stage finishes at once.
  idle: { play: 'playing', finish: 'done' },
  playing: {
    play: 'playing',
    listen: 'answering',
    type: 'typing',
    wait: 'waiting',
    pause: 'paused',
    finish: 'done',
  },
  // listen again: Record again; type: Type instead, or the microphone failed.
  answering: {
    play: 'playing',
    listen: 'answering',
    send: 'sending',
    type: 'typing',
    pause: 'paused',
    finish: 'done',
  },
  sending: { play: 'playing', type: 'typing', wait: 'waiting', pause: 'paused', finish: 'done' },
  // listen: Try the microphone again.
  typing: {
    play: 'playing',
    listen: 'answering',
    type: 'typing',
    wait: 'waiting',
    pause: 'paused',
    finish: 'done',
  },
  waiting: {
    play: 'playing',
    listen: 'answering',
    type: 'typing',
    pause: 'paused',
    finish: 'done',
  },
  // Resume picks up where the pause was: the narration (resume, or play again), the answer
  // turn, the typing, the wait, or the next part (which may be the end).
  paused: {
    play: 'playing',
    listen: 'answering',
    type: 'typing',
    wait: 'waiting',
    pause: 'paused',
    resume: 'playing',
    finish: 'done',
  },
  done: { play: 'playing' },
});

export class IllegalMove extends Error {
  /**
   * @param {string} state
   * @param {string} event
   */
  constructor(state, event) {
    super(`The session cannot ${event} when ${state}.`);
    this.name = 'IllegalMove';
    this.state = state;
    this.event = event;
  }
}

/**
 * The state after `event` in `state`; throws IllegalMove when the table does not allow it.
 * @param {State} state
 * @param {Move} event
 * @returns {State}
 */
export function move(state, event) {
  const next = TABLE[state]?.[event];
  if (!next) throw new IllegalMove(state, event);
  return next;
}

/**
 * True while a session is under way (paused included).
 * @param {State} state
 */
export function isRunning(state) {
  return state !== 'idle' && state !== 'done';
}
