"""URLs the views share: a part's narration by the hash of what it sounds like; row ids;
where to go after signing in."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request, url_for
from werkzeug.routing import IntegerConverter

from ..narration import narration
from ..program import Part
from ..speech.narration_cache import EXTENSION

MAX_ROW_ID = 2**31 - 1
NO_ROW = 0
"""Row ids start at 1."""


def audio_url(part: Part) -> str:
    """Content-addressed URL of a part's narration."""
    return url_for("narration.audio", key=narration().key_for(part), ext=EXTENSION)


class RowIdConverter(IntegerConverter):
    """`<id:entry_id>`: digits; an id the database cannot hold becomes 0, which names no row.

    PostgreSQL's INTEGER is 32-bit (SQLite's is 64-bit): an id past 2**31 - 1 names no
    row on either, and passing it on would make the driver overflow (a 500). Refusing it
    in the converter instead would turn a PATCH into a 405 (Werkzeug checks methods
    before converters), so it routes as usual and the view answers 404 like for any
    missing entry.
    """

    def to_python(self, value: str) -> int:
        number = int(value)
        return number if number <= MAX_ROW_ID else NO_ROW


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


def safe_next(default: str) -> str:
    """The `next` page when it is a path on this site, else the default."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if (
        target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not parts.scheme
        and not parts.netloc
    ):
        return target
    return default
