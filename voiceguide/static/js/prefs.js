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

export function loadPrefs() {
  return { ...DEFAULTS, ...load('prefs', {}) };
}

export function savePrefs(prefs) {
  save('prefs', prefs);
}
