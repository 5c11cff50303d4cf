"""Narration audio: the cache bound to the app, each part addressed by what it sounds like."""

from __future__ import annotations

from flask import Flask, current_app

from .program import Part, current_program
from .speech import registry
from .speech.narration_cache import NarrationCache


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
            for stage in current_program(self.app).stages:
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
    index: Narration = current_app.extensions["voiceguide.narration"]
    return index
