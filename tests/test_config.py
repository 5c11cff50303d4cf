"""Configuration layers: defaults, instance/config.py, VOICEGUIDE_* variables."""

from __future__ import annotations

import logging
import stat

import pytest

from voiceguide import create_app
from voiceguide.speech.base import SetupError


def test_environment_overrides_defaults(monkeypatch, tmp_path, fake_engines):
    monkeypatch.setenv("VOICEGUIDE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("VOICEGUIDE_AUDIO_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("VOICEGUIDE_MAX_UPLOAD_MB", "3")
    monkeypatch.setenv("VOICEGUIDE_TTS_ENGINE", "fake")
    app = create_app()
    assert app.config["DATA_DIR"] == str(tmp_path / "data")
    assert app.config["MAX_CONTENT_LENGTH"] == 3 * 1024 * 1024
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("/data/voiceguide.sqlite")
    assert app.config["STT_ENGINE"] == "whisper"


def test_instance_config_file_is_read_and_environment_wins(monkeypatch, tmp_path, fake_engines):
    data = tmp_path / "data"
    data.mkdir()
    (data / "config.py").write_text("MAX_RECORDING_SECONDS = 120\nMAX_UPLOAD_MB = 7\n")
    monkeypatch.setenv("VOICEGUIDE_DATA_DIR", str(data))
    monkeypatch.setenv("VOICEGUIDE_AUDIO_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("VOICEGUIDE_MAX_UPLOAD_MB", "9")
    app = create_app()
    assert app.config["MAX_RECORDING_SECONDS"] == 120
    assert app.config["MAX_UPLOAD_MB"] == 9


def test_bad_number_in_environment_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("VOICEGUIDE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("VOICEGUIDE_MAX_UPLOAD_MB", "lots")
    with pytest.raises(RuntimeError, match="VOICEGUIDE_MAX_UPLOAD_MB"):
        create_app()


def test_secret_key_is_generated_once_and_kept_private(make_app, tmp_path):
    first = make_app(SECRET_KEY=None)
    second = make_app(SECRET_KEY=None)
    key_file = tmp_path / "data" / "secret_key"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) == 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("key", "valid"), [("TTS_ENGINE", "gtts, piper"), ("STT_ENGINE", "google, sphinx, whisper")]
)
def test_unknown_engine_lists_the_valid_ones(make_app, key, valid):
    with pytest.raises(SetupError) as raised:
        make_app(**{key: "espeak"})
    assert "'espeak'" in str(raised.value)
    assert valid in str(raised.value)


def test_healthz_names_the_engines(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "tts": "fake", "stt": "fake"}


def test_settings_are_typed_once_whichever_layer_set_them(make_app):
    app = make_app(MAX_UPLOAD_MB="2", TRANSCRIBE_MAX_ATTEMPTS="4", START_WORKER="no", WORKERS=2.0)
    assert app.config["MAX_UPLOAD_MB"] == 2.0 and isinstance(app.config["MAX_UPLOAD_MB"], float)
    assert app.config["TRANSCRIBE_MAX_ATTEMPTS"] == 4
    assert isinstance(app.config["TRANSCRIBE_MAX_ATTEMPTS"], int)
    assert app.config["START_WORKER"] is False
    assert app.config["WORKERS"] == 2 and isinstance(app.config["WORKERS"], int)


@pytest.mark.parametrize(
    ("key", "value"), [("WORKERS", "2.5"), ("MAX_RECORDING_SECONDS", "long"), ("LOG_LEVEL", "loud")]
)
def test_a_bad_setting_from_any_layer_is_a_clear_error(make_app, key, value):
    with pytest.raises(RuntimeError, match=key):
        make_app(**{key: value})


def test_the_apps_own_log_shows_information_lines_unless_told_otherwise(make_app):
    # Python's root default (WARNING) hid "serving on ..." and each job's timing line.
    assert make_app().logger.getEffectiveLevel() == logging.INFO
    assert make_app(LOG_LEVEL="warning").logger.getEffectiveLevel() == logging.WARNING


def test_embedded_default_has_the_thread_pool_and_local_counters(make_app):
    from voiceguide.jobs import queue
    from voiceguide.jobs.pool import ThreadPool

    app = make_app(START_WORKER=True)
    assert isinstance(queue.current_queue(app), ThreadPool)
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")


def test_broker_url_chooses_celery_and_shares_the_rate_limit_counters(monkeypatch, tmp_path):
    from voiceguide.jobs import queue
    from voiceguide.jobs.celery_backend import CeleryQueue

    monkeypatch.setenv("VOICEGUIDE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("VOICEGUIDE_BROKER_URL", "redis://cache.internal:6379/0")
    monkeypatch.setenv("VOICEGUIDE_DATABASE_URL", "postgresql://vg:pw@db.internal/voiceguide")
    app = create_app()  # nothing connects yet: both servers are only named
    assert isinstance(queue.current_queue(app), CeleryQueue)
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6379/0"
    # psycopg 3, not SQLAlchemy's default psycopg2 driver for a plain postgresql:// URL
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://vg:pw@db.internal/voiceguide"
    )
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True


def test_an_explicit_rate_limit_store_is_kept(tmp_path, fake_engines):
    app = create_app({"DATA_DIR": str(tmp_path), "BROKER_URL": "redis://q:6379/0",
                      "RATELIMIT_STORAGE_URI": "redis://other:6379/1"})  # fmt: skip
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://other:6379/1"
