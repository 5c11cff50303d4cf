"""Narration audio: the cache bound to the app, each part addressed by what it sounds like;
missing narration rendered in the background as a serving process starts."""

from __future__ import annotations

import logging
import os
import threading

from flask import Flask, current_app

from .program import Part, Program, current_program
from .speech import registry
from .speech.base import SpeechError
from .speech.narration_cache import NarrationCache

log = logging.getLogger(__name__)

WARMING_KEY = "voiceguide.narration.warming"  # the process id that started warming this app
_warming_lock = threading.Lock()


def spoken_texts(program: Program) -> list[str]:
    """Every narration text of a program, in the order a person first meets them: the cues,
    then each stage's parts (a closing's variant after its closing)."""
    texts = list(program.cues.values())
    for stage in program.stages:
        for part in stage.parts:
            texts.append(part.spoken)
            if part.unanswered_spoken:
                texts.append(part.unanswered_spoken)
    return list(dict.fromkeys(texts))


class Narration:
    """The program's parts, addressed by the hash of what they sound like."""

    def __init__(self, app: Flask):
        self.app = app
        self._cache: NarrationCache | None = None
        self._keys: dict[str, str] = {}  # spoken text -> content key
        self._texts: dict[str, str] = {}  # content key -> spoken text

    @property
    def cache(self) -> NarrationCache:
        """The cache over the configured engine (the engine is built on first use)."""
        if self._cache is None:
            self._cache = NarrationCache(self.app.config["AUDIO_CACHE"], registry.tts(self.app))
        return self._cache

    def _index(self) -> tuple[dict[str, str], dict[str, str]]:
        if not self._keys:
            for spoken in spoken_texts(current_program(self.app)):
                key = self.cache.key(spoken)
                self._keys[spoken] = key
                self._texts[key] = spoken
        return self._keys, self._texts

    def key_for(self, part: Part) -> str:
        """Content key of a part's narration."""
        return self._index()[0][part.spoken]

    def key_for_text(self, spoken: str) -> str:
        """Content key of any of the program's narration texts (a variant, a cue)."""
        return self._index()[0][spoken]

    def text_for(self, key: str) -> str | None:
        """The text behind a content key, or None when it names no part."""
        return self._index()[1].get(key)

    def warm(self) -> int:
        """Load the narration voice (a read-back must not wait for it), then render every
        missing narration, in the order a person meets it; the count made."""
        made = 0
        try:
            registry.tts(self.app)
        except SpeechError as e:
            log.warning("the narration engine could not be loaded: %s", e)
            return made
        for spoken in spoken_texts(current_program(self.app)):
            if not self.cache.has(spoken):
                try:
                    self.cache.ensure(spoken)
                except (SpeechError, OSError) as e:  # OSError: a full disk, a read-only cache
                    log.warning("narration could not be rendered in the background: %s", e)
                    return made
                made += 1
        return made


def init_app(app: Flask) -> None:
    """Attach the narration index; a serving process renders missing narration at start."""
    app.extensions["voiceguide.narration"] = Narration(app)
    if app.config["WARM_NARRATION"]:

        @app.before_request
        def _warm_narration() -> None:
            start_warming(app)


def start_warming(app: Flask) -> threading.Thread | None:
    """Render missing narration in a background thread, once per process (after a fork too);
    None when this process has one already or warming is turned off."""
    if not app.config["WARM_NARRATION"]:
        return None
    pid = os.getpid()
    with _warming_lock:
        if app.extensions.get(WARMING_KEY) == pid:
            return None
        app.extensions[WARMING_KEY] = pid
    index: Narration = app.extensions["voiceguide.narration"]
    thread = threading.Thread(target=index.warm, name="narration-warm", daemon=True)
    thread.start()
    return thread


def narration() -> Narration:
    """The app's narration index."""
    index: Narration = current_app.extensions["voiceguide.narration"]
    return index
