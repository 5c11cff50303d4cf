// Local and relative times (js/localtime.js) and how long a typed answer is shown (js/changes.js).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { shownFor } from '../../voiceguide/static/js/changes.js';
import { relative } from '../../voiceguide/static/js/localtime.js';

const NOW = new Date('2026-11-30T12:00:00Z');
const ago = (ms) => new Date(NOW.getTime() - ms);
const MINUTE = 60 * 1000;
const DAY = 24 * 60 * MINUTE;

describe('relative', () => {
  test('reads as words while recent', () => {
    assert.equal(relative(ago(10 * 1000), NOW), 'just now');
    assert.equal(relative(ago(5 * MINUTE), NOW), '5 minutes ago');
    assert.equal(relative(ago(3 * 60 * MINUTE), NOW), '3 hours ago');
    assert.equal(relative(ago(DAY), NOW), 'yesterday');
    assert.equal(relative(ago(3 * DAY), NOW), '3 days ago');
  });
  test('is left out past a week, where the date reads better', () => {
    assert.equal(relative(ago(8 * DAY), NOW), null);
  });
});

describe('shownFor', () => {
  test('grows with the words, within bounds', () => {
    assert.equal(shownFor(''), 3000);
    assert.equal(shownFor('word '.repeat(20)), 6000);
    assert.equal(shownFor('word '.repeat(500)), 12000);
  });
});
