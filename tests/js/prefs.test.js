// Preference cleaning and loading (js/prefs.js), with the choices the server hands the page.

import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';

import {
  clean,
  DEFAULTS,
  loadPrefs,
  parseChoices,
  stepRate,
} from '../../voiceguide/static/js/prefs.js';
import { installStorage } from './storage.js';

const CHOICES = {
  rates: [0.75, 1, 1.25, 1.5],
  pauses: [1.5, 2, 3, 5, 10, null],
  giveUps: [30, 60, 120, 300, null],
};
let storage;

beforeEach(() => {
  storage = installStorage();
});

describe('clean', () => {
  test('keeps known preferences with values among the choices', () => {
    const prefs = { rate: 1.25, handsFree: false, pauseSeconds: null, shortcuts: false };
    assert.deepEqual(clean(prefs, CHOICES), prefs);
  });

  test('drops unknown keys, values not offered, and wrong types', () => {
    const prefs = {
      rate: 2, // not a choice
      pauseSeconds: '3', // a string, not the number
      handsFree: 'yes',
      shortcuts: 1,
      volume: 0.5,
      toString: 'x', // an inherited name is not a preference
    };
    assert.deepEqual(clean(prefs, CHOICES), {});
  });

  test('follows the choices it is given, not a copy of its own', () => {
    const choices = { rates: [0.5, 1], pauses: [4] };
    assert.deepEqual(clean({ rate: 0.5, pauseSeconds: 4 }, choices), {
      rate: 0.5,
      pauseSeconds: 4,
    });
    assert.deepEqual(clean({ rate: 1.25, pauseSeconds: null }, choices), {});
  });

  test('anything that is not an object cleans to nothing', () => {
    for (const junk of [null, undefined, 3, 'rate', true]) {
      assert.deepEqual(clean(junk, CHOICES), {});
    }
  });
});

describe('loadPrefs', () => {
  test('defaults when nothing is kept', () => {
    assert.deepEqual(loadPrefs({}, CHOICES), DEFAULTS);
  });

  test("the account's preferences win over this browser's, which win over defaults", () => {
    storage.setItem('voiceguide:prefs', JSON.stringify({ rate: 1.5, handsFree: false }));
    const prefs = loadPrefs({ rate: 0.75 }, CHOICES);
    assert.deepEqual(prefs, { ...DEFAULTS, rate: 0.75, handsFree: false });
  });

  test('broken or invalid stored values fall back to the defaults', () => {
    storage.setItem('voiceguide:prefs', '{not json');
    assert.deepEqual(loadPrefs({ pauseSeconds: 7 }, CHOICES), DEFAULTS);
  });

  test('storage that throws (blocked) still gives preferences', () => {
    globalThis.localStorage = {
      getItem() {
        throw new Error('blocked');
      },
    };
    assert.deepEqual(loadPrefs({ shortcuts: false }, CHOICES), { ...DEFAULTS, shortcuts: false });
  });
});

describe('stepRate', () => {
  test('one step slower or faster, and no further than the ends', () => {
    assert.equal(stepRate(CHOICES.rates, 1, 1), 1.25);
    assert.equal(stepRate(CHOICES.rates, 1, -1), 0.75);
    assert.equal(stepRate(CHOICES.rates, 1.5, 1), 1.5);
    assert.equal(stepRate(CHOICES.rates, 0.75, -1), 0.75);
  });

  test('from a speed that is not offered, the step is taken from 1×', () => {
    assert.equal(stepRate(CHOICES.rates, 1.1, 1), 1.25);
    assert.equal(stepRate(CHOICES.rates, 3, -1), 0.75);
  });

  test('no speeds offered: no step', () => {
    assert.equal(stepRate([], 1, 1), undefined);
  });
});

describe('parseChoices', () => {
  test('reads the JSON the template writes', () => {
    const { giveUps, ...rest } = CHOICES; // the template writes Python's name, give_ups
    assert.deepEqual(parseChoices(JSON.stringify({ ...rest, give_ups: giveUps })), CHOICES);
  });

  test('missing or broken: no choices (so nothing stored passes cleaning)', () => {
    for (const json of [undefined, '', '{', '{"rates": 1}']) {
      assert.deepEqual(parseChoices(json), { rates: [], pauses: [], giveUps: [] });
    }
  });
});
