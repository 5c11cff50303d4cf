"""Narration audio at content-addressed URLs: ETag, Range, a year's cache."""

from __future__ import annotations

from flask import Blueprint, Response, send_file

from ..errors import NotFound
from ..narration import narration
from ..speech.narration_cache import EXTENSION, MIMETYPE

bp = Blueprint("narration", __name__, url_prefix="/narration")

ONE_YEAR = 365 * 24 * 3600


@bp.get("/<key>.<ext>")
def audio(key: str, ext: str) -> Response:
    """Serve (making it first when needed) one part's narration; ETag, Range, long cache."""
    text = narration().text_for(key) if ext == EXTENSION else None
    if text is None:
        raise NotFound("There is no narration at that address.")
    path = narration().cache.ensure(text)
    response = send_file(path, mimetype=MIMETYPE, conditional=True, etag=key, max_age=ONE_YEAR)
    response.cache_control.immutable = True
    response.cache_control.public = True
    return response
