// The transcript card's underlines (js/view.js markUnsure) with a minimal fake document.

import assert from 'node:assert/strict';
import { test } from 'node:test';

/** A text node or an element, as far as markUnsure uses them. */
class FakeNode {
  constructor(tag, text = '') {
    this.tag = tag;
    this.className = '';
    this.children = [];
    this.textContent = text;
  }
  append(...items) {
    for (const item of items)
      this.children.push(typeof item === 'string' ? new FakeNode('#text', item) : item);
  }
}
globalThis.document = {
  createTextNode: (text) => new FakeNode('#text', text),
  createElement: (tag) => new FakeNode(tag),
};

const { markUnsure } = await import('../../voiceguide/static/js/view.js');

/** The nodes as a string: underlined runs in [brackets], screen-reader notes dropped. */
const shown = (nodes) =>
  nodes.map((n) => (n.tag === 'u' ? `[${n.children[0].textContent}]` : n.textContent)).join('');

test('spans are underlined with a note for screen readers', () => {
  const nodes = markUnsure('a secret I can share', [[11, 14]]);
  assert.equal(shown(nodes), 'a secret I [can] share');
  const word = nodes[1];
  assert.equal(word.className, 'unsure');
  assert.equal(word.children[1].className, 'visually-hidden');
  assert.equal(word.children[1].textContent, ' (unsure)');
});

test('no spans leave the text whole; bad and overlapping spans are ignored', () => {
  assert.equal(shown(markUnsure('one two', [])), 'one two');
  assert.equal(
    shown(
      markUnsure('one two three', [
        [8, 13],
        [0, 3],
        [2, 5],
        [10, 99],
        [4, 4],
      ]),
    ),
    '[one] two [three]',
  );
});

test('spans count characters as the server does, not UTF-16 units', () => {
  assert.equal(shown(markUnsure('I 💙 my dog', [[7, 10]])), 'I 💙 my [dog]');
});

test('markup in the words stays text', () => {
  const nodes = markUnsure('<b>hi</b> there', [[0, 9]]);
  assert.equal(nodes[0].children[0].textContent, '<b>hi</b>');
  assert.equal(nodes[0].children[0].tag, '#text');
});
