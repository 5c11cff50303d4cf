"""The live view of a stream while the person speaks: has the speech ended, and the draft."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import AnswerStream, User


@dataclass(frozen=True)
class LiveView:
    """What the page is told with each chunk's acknowledgement."""

    speech_ended: bool
    """The voice-activity model heard speech and then a pause long enough to end the turn."""
    draft: str | None
    """The transcript of the segments closed so far (None before the first)."""


def after_chunk(user: User, stream: AnswerStream) -> LiveView:
    """The live view after a chunk was stored."""
    return LiveView(speech_ended=False, draft=None)
