"""Engines by name: an explicit registry, built once per process and kept in app.extensions."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any, cast

from flask import Flask, current_app

from .base import SetupError, SpeechToText, TextToSpeech

# name -> "module:factory"; modules import their heavy libraries only when built.
TTS_ENGINES: dict[str, str] = {
    "piper": "voiceguide.speech.piper_tts:build",
    "gtts": "voiceguide.speech.gtts_tts:build",
}
_lock = threading.Lock()

STT_ENGINES: dict[str, str] = {
    "whisper": "voiceguide.speech.whisper_stt:build",
    "sphinx": "voiceguide.speech.sphinx_stt:build",
    "google": "voiceguide.speech.google_stt:build",
}


def check_name(kind: str, name: str, table: dict[str, str]) -> None:
    """Refuse an engine name that is not registered, listing the valid ones."""
    if name not in table:
        valid = ", ".join(sorted(table))
        raise SetupError(f"unknown {kind} engine {name!r}; valid engines are: {valid}")


def _factory(spec: str) -> Callable[[Mapping[str, Any]], object]:
    module, attr = spec.split(":")
    factory: Callable[[Mapping[str, Any]], object] = getattr(import_module(module), attr)
    return factory


def _get(app: Flask, key: str, kind: str, table: dict[str, str]) -> object:
    engines: dict[str, object] = app.extensions.setdefault("voiceguide.engines", {})
    name = app.config[key]
    slot = f"{kind}:{name}"
    if slot not in engines:
        check_name(kind, name, table)
        with _lock:  # two first requests at once must not load a model twice
            if slot not in engines:
                engines[slot] = _factory(table[name])(app.config)
    return engines[slot]


def tts(app: Flask | None = None) -> TextToSpeech:
    """The configured narration engine, built on first use."""
    return cast(TextToSpeech, _get(app or current_app, "TTS_ENGINE", "TTS", TTS_ENGINES))


def stt(app: Flask | None = None) -> SpeechToText:
    """The configured transcription engine, built on first use."""
    return cast(SpeechToText, _get(app or current_app, "STT_ENGINE", "STT", STT_ENGINES))


def validate(app: Flask) -> None:
    """Fail at start-up on an unknown engine name (cheap: builds nothing)."""
    check_name("TTS", app.config["TTS_ENGINE"], TTS_ENGINES)
    check_name("STT", app.config["STT_ENGINE"], STT_ENGINES)
