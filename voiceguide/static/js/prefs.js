// @ts-check
// Preferences and progress kept in this browser (localStorage), failing quietly when blocked.

const PREFIX = 'voiceguide:';

/**
 * @param {string} key
 * @param {any} fallback
 */
export function load(key, fallback) {
  try {
    const raw = localStorage.getItem(PREFIX + key);
    return raw === null ? fallback : JSON.parse(raw);
  } catch {
    return fallback;
  }
}

/**
 * @param {string} key
 * @param {unknown} value null or undefined: forget it
 */
export function save(key, value) {
  try {
    if (value === undefined || value === null) localStorage.removeItem(PREFIX + key);
    else localStorage.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // Storage full or disabled: the session still works, it just forgets.
  }
}

/**
 * @typedef {object} Prefs
 * @property {number} rate narration speed
 * @property {boolean} handsFree move on without Continue
 * @property {number|null} pauseSeconds quiet that ends an answer (null: never)
 * @property {number|null} [giveUpSeconds] quiet before a silent turn pauses (null: never;
 *   not set: the server's default)
 * @property {boolean} spokenCue say "Saved" out loud, besides the chime
 * @property {boolean} shortcuts keyboard shortcuts on
 */

/**
 * The speeds and pauses a person may choose: defined once, on the server (the template puts
 * them on the session root as data-choices).
 * @typedef {object} Choices
 * @property {number[]} rates
 * @property {(number|null)[]} pauses
 * @property {(number|null)[]} giveUps
 */

/** @type {Readonly<Prefs>} */
export const DEFAULTS = Object.freeze({
  rate: 1,
  handsFree: true,
  pauseSeconds: 3,
  spokenCue: false,
  shortcuts: true,
});

/** @type {Choices} */
export const NO_CHOICES = Object.freeze({ rates: [], pauses: [], giveUps: [] });

/**
 * The choices from the page (a JSON attribute); none when it is missing or broken.
 * @param {string|undefined} json
 * @returns {Choices}
 */
export function parseChoices(json) {
  try {
    const { rates, pauses, give_ups: giveUps = [] } = JSON.parse(json ?? '');
    if (Array.isArray(rates) && Array.isArray(pauses) && Array.isArray(giveUps)) {
      return { rates, pauses, giveUps };
    }
  } catch {
    // fall through
  }
  return NO_CHOICES;
}

/**
 * Only the known preferences with values the person could have chosen.
 * @param {unknown} prefs
 * @param {Choices} choices
 * @returns {Partial<Prefs>}
 */
export function clean(prefs, choices) {
  /** @type {Record<string, (value: unknown) => boolean>} */
  const valid = {
    rate: (v) => choices.rates.some((rate) => rate === v),
    handsFree: (v) => typeof v === 'boolean',
    pauseSeconds: (v) => choices.pauses.some((pause) => pause === v),
    giveUpSeconds: (v) => choices.giveUps.some((wait) => wait === v),
    spokenCue: (v) => typeof v === 'boolean',
    shortcuts: (v) => typeof v === 'boolean',
  };
  /** @type {Record<string, unknown>} */
  const out = {};
  if (!prefs || typeof prefs !== 'object') return out;
  for (const [key, value] of Object.entries(prefs)) {
    if (Object.hasOwn(valid, key) && valid[key](value)) out[key] = value;
  }
  return out;
}

/**
 * The account's preferences (when signed in) win over this browser's, which win over defaults.
 * @param {unknown} fromAccount
 * @param {Choices} choices
 * @returns {Prefs}
 */
export function loadPrefs(fromAccount, choices) {
  return { ...DEFAULTS, ...clean(load('prefs', {}), choices), ...clean(fromAccount, choices) };
}

/**
 * The speed one step slower (-1) or faster (+1) than `rate`, kept within the choices; from an
 * unknown rate, the step is taken from 1×.
 * @param {number[]} rates
 * @param {number} rate
 * @param {number} direction
 * @returns {number|undefined} undefined when there are no speeds to choose from
 */
export function stepRate(rates, rate, direction) {
  if (!rates.length) return undefined;
  let at = rates.indexOf(rate);
  if (at < 0) at = Math.max(0, rates.indexOf(1));
  return rates[Math.min(rates.length - 1, Math.max(0, at + direction))];
}

/** @type {Partial<Prefs>} */
let pending = {};
/** @type {ReturnType<typeof setTimeout>|undefined} */
let timer;

/**
 * Keep the preferences in this browser and, when signed in, on the account (quietly).
 * @param {Prefs} prefs
 * @param {Partial<Prefs>} change
 * @param {{url?: string, token?: () => string}} [account]
 */
export function savePrefs(prefs, change, { url, token } = {}) {
  save('prefs', prefs);
  if (!url) return;
  Object.assign(pending, change);
  clearTimeout(timer);
  timer = setTimeout(() => {
    const session = pending;
    pending = {};
    fetch(url, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': token() },
      credentials: 'same-origin',
      body: JSON.stringify({ session }),
    }).catch(() => {});
  }, 400);
}
