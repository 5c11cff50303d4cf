// @ts-check
// Preferences and progress kept in this browser (localStorage), failing quietly when blocked.

const PREFIX = 'voiceguide:';

export function load(key, fallback) {
  try {
    const raw = localStorage.getItem(PREFIX + key);
    return raw === null ? fallback : JSON.parse(raw);
  } catch {
    return fallback;
  }
}

export function save(key, value) {
  try {
    if (value === undefined || value === null) localStorage.removeItem(PREFIX + key);
    else localStorage.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // Storage full or disabled: the session still works, it just forgets.
  }
}

export const DEFAULTS = { rate: 1, handsFree: true, pauseSeconds: 3, shortcuts: true };

const RATES = [0.75, 1, 1.25, 1.5];
const PAUSES = [1.5, 2, 3, 5, 10, null];
const VALID = {
  rate: (v) => RATES.includes(v),
  handsFree: (v) => typeof v === 'boolean',
  pauseSeconds: (v) => PAUSES.includes(v),
  shortcuts: (v) => typeof v === 'boolean',
};

function clean(prefs) {
  const out = {};
  for (const [key, value] of Object.entries(prefs ?? {})) {
    if (VALID[key]?.(value)) out[key] = value;
  }
  return out;
}

// The account's preferences (when signed in) win over this browser's, which win over defaults.
export function loadPrefs(fromAccount = {}) {
  return { ...DEFAULTS, ...clean(load('prefs', {})), ...clean(fromAccount) };
}

let pending = {};
let timer = null;

// Keep the preferences in this browser and, when signed in, on the account (quietly).
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
