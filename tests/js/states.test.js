// The guided session's table of states and moves (js/states.js).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { IllegalMove, isRunning, move, TABLE } from '../../voiceguide/static/js/states.js';

const STATES = Object.keys(TABLE);

test('every move leads to a state in the table', () => {
  for (const [state, moves] of Object.entries(TABLE)) {
    for (const [event, next] of Object.entries(moves)) {
      assert.ok(STATES.includes(next), `${state} --${event}--> ${next}`);
    }
  }
});

test('a session goes start to finish through the moves a person makes', () => {
  let state = 'idle';
  for (const [event, expected] of [
    ['play', 'playing'],
    ['listen', 'answering'],
    ['send', 'sending'],
    ['wait', 'waiting'],
    ['play', 'playing'],
    ['pause', 'paused'],
    ['resume', 'playing'],
    ['listen', 'answering'],
    ['type', 'typing'],
    ['listen', 'answering'], // try the microphone again
    ['pause', 'paused'],
    ['finish', 'done'],
    ['play', 'playing'], // start again
  ]) {
    state = move(state, event);
    assert.equal(state, expected, event);
  }
});

test('moves the table does not allow throw, naming the state and the move', () => {
  for (const [state, event] of [
    ['idle', 'pause'],
    ['idle', 'resume'],
    ['done', 'pause'],
    ['done', 'finish'],
    ['playing', 'resume'],
    ['sending', 'listen'], // Record again is only for the recording in progress
    ['answering', 'wait'],
    ['waiting', 'send'],
  ]) {
    assert.throws(
      () => move(state, event),
      (error) => error instanceof IllegalMove && error.state === state && error.event === event,
    );
  }
});

test('only a recording is sent, and only a pause is resumed', () => {
  for (const state of STATES) {
    if (state !== 'answering') assert.throws(() => move(state, 'send'), IllegalMove);
    if (state !== 'paused') assert.throws(() => move(state, 'resume'), IllegalMove);
  }
});

test('an unknown move or state throws too', () => {
  assert.throws(() => move('playing', 'fly'), IllegalMove);
  assert.throws(() => move('lost', 'play'), IllegalMove);
});

test('running: everything but idle and done', () => {
  assert.deepEqual(STATES.filter(isRunning), [
    'playing',
    'answering',
    'sending',
    'typing',
    'waiting',
    'paused',
  ]);
});
