// @ts-check
// Keyboard shortcuts: single keys, never while typing in a field, and they can be turned off.

const NOT_TEXT = new Set(['checkbox', 'radio', 'button', 'submit', 'reset', 'range']);

function typingIn(target) {
  if (target.isContentEditable) return true;
  if (target.tagName === 'TEXTAREA' || target.tagName === 'SELECT') return true;
  return target.tagName === 'INPUT' && !NOT_TEXT.has(target.type);
}

export function bindShortcuts(actions, isOn) {
  document.addEventListener('keydown', (event) => {
    if (!isOn() || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (typingIn(event.target)) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    const action = actions[key];
    if (action) {
      event.preventDefault();
      action();
    }
  });
}
