"""How sure the recogniser was of each word of a machine transcript, and which to underline.

faster-whisper gives every word a probability. When the transcript is made, each word is
found in the transcript's text and kept as a character span with its probability,
`[[start, end, probability], ...]`, sealed like the texts (the spans and their order
would tell which words were said). A word that cannot be found (the text was tidied
differently around it) simply gets no mark. Engines that give no probabilities (sphinx,
google) leave no marks.

Marks are for checking: they are shown on the machine's text only while the person has
not checked it, and the person's correction or "Looks right" drops them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from flask import current_app

from ..models import Entry
from ..speech.base import Word
from . import sealed

FIELD = sealed.WORDS_FIELD
Span = tuple[int, int, float]


def spans(text: str, words: Sequence[Word], start: int = 0) -> list[Span]:
    """Each word's place in `text` (in order, from `start`) with its probability."""
    found: list[Span] = []
    cursor = start
    for word in words:
        token = word.text.strip()
        if not token:
            continue
        at = text.find(token, cursor)
        if at < 0:
            continue
        found.append((at, at + len(token), round(float(word.probability), 3)))
        cursor = at + len(token)
    return found


def seal_words(
    key: bytes, entry_id: int, text: str, words: Sequence[Word], start: int = 0
) -> bytes | None:
    """The words' spans (found from `start` on) and probabilities sealed for the entry;
    None when there are none."""
    found = spans(text, words, start)
    if not found:
        return None
    return sealed.seal_text(key, entry_id, FIELD, json.dumps(found, separators=(",", ":")))


def marks(entry: Entry) -> list[Span]:
    """The opened entry's word spans (empty without them)."""
    raw = entry.__dict__.get("_opened", {}).get(FIELD)
    if not raw:
        return []
    return [(int(a), int(b), float(p)) for a, b, p in json.loads(raw)]


def unsure(entry: Entry, threshold: float | None = None) -> list[tuple[int, int]]:
    """Spans of the shown transcript to underline: the machine's words below the
    threshold (UNSURE_WORD_BELOW), while the person has not checked the text."""
    if not entry.unchecked:
        return []
    below = current_app.config["UNSURE_WORD_BELOW"] if threshold is None else threshold
    return [(a, b) for a, b, p in marks(entry) if p < below]


def pieces(text: str, underlined: Sequence[tuple[int, int]]) -> list[tuple[str, bool]]:
    """`text` cut into (piece, underlined) runs, in order; spans out of range are ignored."""
    out: list[tuple[str, bool]] = []
    cursor = 0
    for start, end in sorted(underlined):
        if start < cursor or end > len(text) or start >= end:
            continue
        if start > cursor:
            out.append((text[cursor:start], False))
        out.append((text[start:end], True))
        cursor = end
    if cursor < len(text):
        out.append((text[cursor:], False))
    return out
