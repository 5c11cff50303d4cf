"""Reading a person's answer back to them in the narration voice, made on demand and streamed.

The words never reach a disk or a cache, and never leave the machine: an online narration
engine is refused.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from ..errors import Conflict
from ..models import User
from ..speech import registry
from ..speech.streaming import PARTS, stream_wav
from .entries import owned_entry

MIMETYPE = "audio/wav"
__all__ = ["MIMETYPE", "PARTS", "read_back"]


def read_back(user: User, entry_id: int, part: str = "all") -> Iterator[bytes]:
    """The entry's transcript (or its `part`: speech.streaming.PARTS) as streamed WAV;
    NotFound, Conflict or SpeechError are raised
    at once (the first piece is made before the response starts, so that its failure is a
    clear error, not a cut-off stream)."""
    entry = owned_entry(user, entry_id)
    text = (entry.transcript or "").strip()
    if not text:
        raise Conflict("This answer has no words to read back yet.")
    engine = registry.tts()
    if not getattr(engine, "offline", False):
        raise Conflict(
            "Answers are only read back by a narration voice on this server, and this one "
            "is online: your words are not sent to it."
        )
    chunks = stream_wav(engine, text, part)
    first = next(chunks)
    return itertools.chain([first], chunks)
