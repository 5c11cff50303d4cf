"""Reading a person's answer back to them in the narration voice, made on demand and streamed.

The words never reach a disk or a cache, and never leave the machine: an online narration
engine is refused.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..errors import Conflict
from ..models import User
from ..speech import registry
from ..speech.streaming import stream_mp3
from .entries import owned_entry

MIMETYPE = "audio/mpeg"


def read_back(user: User, entry_id: int) -> Iterator[bytes]:
    """The entry's transcript as streamed MP3; NotFound or Conflict are raised at once."""
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
    return stream_mp3(engine, text)
