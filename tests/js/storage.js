// A tiny in-memory localStorage on globalThis, for the modules that keep things in the browser.

export class MemoryStorage {
  #items = new Map();
  getItem(key) {
    return this.#items.has(key) ? this.#items.get(key) : null;
  }
  setItem(key, value) {
    this.#items.set(key, String(value));
  }
  removeItem(key) {
    this.#items.delete(key);
  }
  clear() {
    this.#items.clear();
  }
}

export function installStorage() {
  const storage = new MemoryStorage();
  globalThis.localStorage = storage;
  return storage;
}
