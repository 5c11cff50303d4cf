// @ts-check
// Times come from the server in UTC (<time datetime="...Z" data-local>); this shows them
// in the browser's own time zone, relative ("3 days ago") where asked and still recent,
// and keeps the time zone as a preference so that exports made on the server use it.

import { csrfToken } from './dom.js';

const DAY = 24 * 60 * 60 * 1000;
const RELATIVE_DAYS = 7;

/**
 * "3 days ago", "yesterday", "5 minutes ago"; null when it is older than a week.
 * @param {Date} when
 * @param {Date} now
 * @returns {string|null}
 */
export function relative(when, now) {
  const ms = when.getTime() - now.getTime();
  if (-ms > RELATIVE_DAYS * DAY) return null;
  const words = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  /** @type {[Intl.RelativeTimeFormatUnit, number][]} */
  const units = [
    ['day', DAY],
    ['hour', 60 * 60 * 1000],
    ['minute', 60 * 1000],
  ];
  for (const [unit, size] of units) {
    if (Math.abs(ms) >= size) return words.format(Math.round(ms / size), unit);
  }
  return 'just now';
}

/**
 * The date and time in the reader's time zone.
 * @param {Date} when
 * @returns {string}
 */
export function local(when) {
  return when.toLocaleString(undefined, { dateStyle: 'long', timeStyle: 'short' });
}

/** Rewrite every server time on the page into local time. */
export function localize(root = document) {
  const now = new Date();
  for (const time of root.querySelectorAll('time[data-local]')) {
    const when = new Date(time.getAttribute('datetime') ?? '');
    if (Number.isNaN(when.getTime())) continue;
    const exact = local(when);
    const near = time.getAttribute('data-local') === 'relative' ? relative(when, now) : null;
    time.textContent = near ? `${near} (${exact})` : exact;
  }
}

/** Tell the server the browser's time zone once it differs from the one it keeps. */
async function keepTimeZone() {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const known = document.body.dataset.timeZone;
  if (!zone || known === undefined || known === zone) return;
  await fetch('/api/preferences', {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrfToken() },
    body: JSON.stringify({ timeZone: zone }),
  }).catch(() => undefined); // a preference, never worth an error for the person
}

if (typeof document !== 'undefined') {
  localize();
  keepTimeZone();
}
