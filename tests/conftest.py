"""Shared fixtures: an app per test with its own data directory, cache and fake engines."""

from __future__ import annotations

import pytest

from voiceguide import create_app
from voiceguide.speech import registry


@pytest.fixture
def fake_engines(monkeypatch):
    """Register the fake engines under the name 'fake'."""
    monkeypatch.setitem(registry.TTS_ENGINES, "fake", "tests.fakes:build_tts")
    monkeypatch.setitem(registry.STT_ENGINES, "fake", "tests.fakes:build_stt")


@pytest.fixture
def make_app(tmp_path, fake_engines):
    """Build an app with a fresh data directory; keyword arguments override config."""

    def make(**overrides):
        config = {
            "TESTING": True,
            "DATA_DIR": str(tmp_path / "data"),
            "AUDIO_CACHE": str(tmp_path / "audio_cache"),
            "TTS_ENGINE": "fake",
            "STT_ENGINE": "fake",
            "SECRET_KEY": "test-secret",
            "START_WORKER": False,
        }
        config.update(overrides)
        return create_app(config)

    return make


@pytest.fixture
def app(make_app):
    """The app with fake engines."""
    return make_app()


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner."""
    return app.test_cli_runner()
