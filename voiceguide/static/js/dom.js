// @ts-check
// Small DOM and timing helpers shared by the session modules.

/**
 * The first element matching `selector` under `root`.
 * @template {Element} [T=HTMLElement]
 * @param {string} selector
 * @param {ParentNode} [root]
 * @returns {T|null}
 */
export const $ = (selector, root = document) =>
  /** @type {T|null} */ (root.querySelector(selector));

/**
 * Every element matching `selector` under `root`, as an array.
 * @template {Element} [T=HTMLElement]
 * @param {string} selector
 * @param {ParentNode} [root]
 * @returns {T[]}
 */
export const $$ = (selector, root = document) =>
  /** @type {T[]} */ ([...root.querySelectorAll(selector)]);

export function csrfToken() {
  const meta = /** @type {HTMLMetaElement|null} */ (
    document.querySelector('meta[name="csrf-token"]')
  );
  return meta?.content ?? '';
}

export function abortError() {
  return new DOMException('The step was cancelled.', 'AbortError');
}

export function isAbort(error) {
  return error?.name === 'AbortError';
}

// Resolve after `ms`, or reject with an AbortError when `signal` aborts first.
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    function onAbort() {
      clearTimeout(timer);
      reject(abortError());
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

// Wait for `promise`, but give up with `fallback` after `ms`, or reject when `signal` aborts.
export function within(promise, ms, fallback, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const timer = setTimeout(() => finish(() => resolve(fallback)), ms);
    const onAbort = () => finish(() => reject(abortError()));
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => finish(() => resolve(value)),
      (error) => finish(() => reject(error)),
    );
    function finish(settle) {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    }
  });
}

// A random UUID; crypto.randomUUID needs a secure context, getRandomValues does not.
export function uuid() {
  if (window.isSecureContext && crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function formatTime(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function formatDuration(seconds) {
  const minutes = Math.round(seconds / 60);
  if (seconds < 90) return `${Math.round(seconds)} seconds`;
  return `${minutes} minutes`;
}

export function reducedMotion() {
  return window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;
}

// Hide an element; when it held the focus, hand the focus to `fallback` instead of losing it.
export function hideKeepingFocus(element, fallback) {
  const hadFocus = element.contains(document.activeElement);
  element.hidden = true;
  if (hadFocus && fallback && !fallback.hidden) fallback.focus();
}
