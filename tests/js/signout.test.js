// Leaving a shared computer (js/signout.js): only the signing-out person's data is forgotten.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { discardQuestion, keysToForget, recordsOf } from '../../voiceguide/static/js/signout.js';

test("this person's progress and preferences are forgotten, nobody else's", () => {
  const keys = [
    'voiceguide:progress:aaa:prog:stage-1',
    'voiceguide:complete:aaa:prog:stage-1',
    'voiceguide:progress:bbb:prog:stage-1',
    'voiceguide:complete:aaab:prog:stage-1',
    'voiceguide:prefs',
    'voiceguide:mic-checked',
    'other-site-key',
  ];
  assert.deepEqual(keysToForget(keys, 'aaa'), [
    'voiceguide:progress:aaa:prog:stage-1',
    'voiceguide:complete:aaa:prog:stage-1',
    'voiceguide:prefs',
  ]);
  assert.deepEqual(keysToForget(keys, ''), ['voiceguide:prefs']);
});

test("only this person's waiting answers are theirs to send or discard", () => {
  const records = [{ user: 'aaa' }, { user: 'bbb' }, { user: null }, { user: 'aaa' }];
  assert.equal(recordsOf(records, 'aaa').length, 2);
  assert.equal(recordsOf(records, '').length, 0);
});

test('the question before discarding names how many answers would be lost', () => {
  assert.match(discardQuestion(1), /^1 answer has not reached/);
  assert.match(discardQuestion(3), /^3 answers have not reached/);
  assert.match(discardQuestion(2), /Cancel to stay signed in/);
});
