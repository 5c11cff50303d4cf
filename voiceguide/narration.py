"""Narration audio: the cache bound to the app, and its content-addressed URLs."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, send_file, url_for

from .errors import ApiError
from .program import Part, Program
from .speech import registry
from .speech.narration_cache import EXTENSION, MIMETYPE, NarrationCache

bp = Blueprint("narration", __name__, url_prefix="/narration")

ONE_YEAR = 365 * 24 * 3600


class Narration:
    """The program's parts, addressed by the hash of what they sound like."""

    def __init__(self, app: Flask):
        self.app = app
        self._cache: NarrationCache | None = None
        self._keys: dict[str, str] = {}  # part text -> content key
        self._texts: dict[str, str] = {}  # content key -> part text

    @property
    def cache(self) -> NarrationCache:
        """The cache over the configured engine (the engine is built on first use)."""
        if self._cache is None:
            self._cache = NarrationCache(self.app.config["AUDIO_CACHE"], registry.tts(self.app))
        return self._cache

    def _index(self) -> tuple[dict[str, str], dict[str, str]]:
        if not self._keys:
            for stage in self.app.extensions["voiceguide.program"].stages:
                for part in stage.parts:
                    key = self.cache.key(part.text)
                    self._keys[part.text] = key
                    self._texts[key] = part.text
        return self._keys, self._texts

    def key_for(self, part: Part) -> str:
        """Content key of a part's narration."""
        return self._index()[0][part.text]

    def text_for(self, key: str) -> str | None:
        """The text behind a content key, or None when it names no part."""
        return self._index()[1].get(key)


def init_app(app: Flask) -> None:
    """Attach the narration index to the app."""
    app.extensions["voiceguide.narration"] = Narration(app)


def narration() -> Narration:
    """The app's narration index."""
    return current_app.extensions["voiceguide.narration"]


def program() -> Program:
    """The loaded program."""
    return current_app.extensions["voiceguide.program"]


def audio_url(part: Part) -> str:
    """Content-addressed URL of a part's narration."""
    return url_for("narration.audio", key=narration().key_for(part), ext=EXTENSION)


@bp.get("/<key>.<ext>")
def audio(key: str, ext: str):
    """Serve (making it first when needed) one part's narration; ETag, Range, long cache."""
    text = narration().text_for(key) if ext == EXTENSION else None
    if text is None:
        raise ApiError(404, "There is no narration at that address.")
    path = narration().cache.ensure(text)
    response = send_file(path, mimetype=MIMETYPE, conditional=True, etag=key, max_age=ONE_YEAR)
    response.cache_control.immutable = True
    response.cache_control.public = True
    return response
