"""URLs the views share: a part's narration, by the hash of what it sounds like."""

from __future__ import annotations

from flask import url_for

from ..narration import narration
from ..program import Part
from ..speech.narration_cache import EXTENSION


def audio_url(part: Part) -> str:
    """Content-addressed URL of a part's narration."""
    return url_for("narration.audio", key=narration().key_for(part), ext=EXTENSION)
