"""Shared fixtures: an app per test with its own data directory, cache and fake engines."""

from __future__ import annotations

import pytest
from flask_migrate import upgrade

from tests import servers
from tests.helpers import AuthActions
from voiceguide import create_app
from voiceguide.extensions import db, limiter
from voiceguide.speech import registry

# Session-wide Piper voice, Whisper model and generated audio for the slow speech tests.
pytest_plugins = ["tests.speech_fixtures"]


def pytest_addoption(parser):
    parser.addoption(
        "--database",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="where make_app keeps its rows: a SQLite file, or a fresh PostgreSQL database "
        f"per test on ${servers.POSTGRES_ENV}",
    )


def pytest_report_header(config):
    return f"database: {config.getoption('--database')}"


@pytest.fixture
def database_url(request):
    """None for SQLite (the default); with --database=postgres, a fresh PostgreSQL database."""
    if request.config.getoption("--database") != "postgres":
        yield None
        return
    with servers.fresh_database(servers.postgres_url()) as url:
        yield url


@pytest.fixture
def postgres_url():
    """A fresh PostgreSQL database for the tests that are about PostgreSQL itself."""
    with servers.fresh_database(servers.postgres_url()) as url:
        yield url


@pytest.fixture
def fake_engines(monkeypatch):
    """Register the fake engines under the name 'fake'."""
    monkeypatch.setitem(registry.TTS_ENGINES, "fake", "tests.fakes:build_tts")
    monkeypatch.setitem(registry.STT_ENGINES, "fake", "tests.fakes:build_stt")


@pytest.fixture
def make_app(tmp_path, fake_engines, database_url):
    """Build an app with a fresh, migrated data directory; keyword arguments override config.

    `migrate=False` leaves the database empty (for tests of the migrations themselves).
    """

    def make(migrate: bool = True, **overrides):
        config = {
            "TESTING": True,
            "DATA_DIR": str(tmp_path / "data"),
            "AUDIO_CACHE": str(tmp_path / "audio_cache"),
            "TTS_ENGINE": "fake",
            "STT_ENGINE": "fake",
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": database_url,
            "START_WORKER": False,
            "WARM_NARRATION": False,
            # CSRF on, as in production (Flask-WTF turns it off under TESTING otherwise).
            "WTF_CSRF_ENABLED": True,
            # Cheap argon2id hashes: the production cost makes every sign-up take 0.2 s.
            "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
        }
        config.update(overrides)
        app = create_app(config)
        limiter.reset()  # the limiter is a module global: no limits carried over between tests
        if migrate:  # the real migrations build the schema, as `make run` does
            with app.app_context():
                upgrade()
        apps.append(app)
        return app

    apps: list = []
    yield make
    for app in apps:  # close pooled connections, so that the database can be dropped
        with app.app_context():
            db.engine.dispose()


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


@pytest.fixture
def auth(client):
    """AuthActions on the `client`: auth.register(), auth.login(), auth.headers()..."""
    return AuthActions(client)
