"""URLs the views share: a part's narration, by the hash of what it sounds like."""

from __future__ import annotations

from flask import url_for

from ..narration import narration
from ..program import Part
from ..speech.narration_cache import EXTENSION


def audio_url(part: Part) -> str:
    """Content-addressed URL of a part's narration."""
    return url_for("narration.audio", key=narration().key_for(part), ext=EXTENSION)


def text_audio_url(spoken: str) -> str:
    """Content-addressed URL of any of the program's narration texts (a variant, a cue)."""
    return url_for("narration.audio", key=narration().key_for_text(spoken), ext=EXTENSION)


def stage_audio(parts: tuple[Part, ...]) -> dict[str, str]:
    """Narration URLs by part id; a closing's variant under "<id>:unanswered"."""
    urls = {p.id: audio_url(p) for p in parts}
    for part in parts:
        if part.unanswered_spoken:
            urls[f"{part.id}:unanswered"] = text_audio_url(part.unanswered_spoken)
    return urls
