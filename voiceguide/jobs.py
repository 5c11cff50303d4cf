"""Transcription jobs: the entries themselves are the jobs (pending -> processing -> done/failed).

`transcribe_entry(entry_id)` is a plain function of an id, safe to run twice or
concurrently: it claims the row atomically first. The in-process pool
(worker.py) calls it; a Celery task could call it unchanged, and `enqueue` is
the one place that hands work to whichever runs it.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import and_, or_, select, update

from .extensions import db
from .models import Entry, utcnow
from .recordings import recording_path, sweep_partial_uploads
from .speech import registry
from .speech.audio import decode_file
from .speech.base import (
    AudioDecodeError,
    EngineUnavailableError,
    NoSpeechError,
    SetupError,
    SpeechError,
)
from .speech.recognition import cores

WORKER_KEY = "voiceguide.worker"

UNREACHABLE = "The speech service could not be reached. Please try again later."
WAITING = "The speech service could not be reached; trying again shortly."
UNDECODABLE = "The recording could not be decoded as audio."
NOT_SET_UP = "The speech engine is not set up on this server. Please try again later."
FAILED = "The recording could not be transcribed. Please try again."


def transcribe_entry(entry_id: int) -> None:
    """Transcribe one spoken entry if it is due; otherwise do nothing (safe to run twice)."""
    token = _claim(entry_id)
    if token is None:
        return
    entry = db.session.get(Entry, entry_id, populate_existing=True)
    if entry is None:  # deleted in between
        return
    log = current_app.logger
    try:
        max_seconds = float(current_app.config["MAX_RECORDING_SECONDS"])
        pcm = decode_file(str(recording_path(entry)), max_seconds=max_seconds)
        transcript = registry.stt().transcribe(pcm)
    except NoSpeechError as e:
        _finish(entry_id, token, status="failed", error=str(e))
    except EngineUnavailableError as e:
        attempts = int(current_app.config["TRANSCRIBE_MAX_ATTEMPTS"])
        if entry.attempts < attempts:
            delay = float(current_app.config["TRANSCRIBE_RETRY_DELAY"]) * 2 ** (entry.attempts - 1)
            log.warning(
                "entry %s: attempt %s: %s; next in %.0f s", entry_id, entry.attempts, e, delay
            )
            if _finish(entry_id, token, status="pending", error=WAITING):
                enqueue(entry_id, delay=delay)
        else:
            log.warning("entry %s: %s; giving up after %s attempts", entry_id, e, attempts)
            _finish(entry_id, token, status="failed", error=UNREACHABLE)
    except AudioDecodeError:
        _finish(entry_id, token, status="failed", error=UNDECODABLE)
    except SetupError:
        log.exception("entry %s: the speech engine cannot be built", entry_id)
        _finish(entry_id, token, status="failed", error=NOT_SET_UP)
    except SpeechError:
        log.exception("entry %s: transcription failed", entry_id)
        _finish(entry_id, token, status="failed", error=FAILED)
    except Exception:
        # A bug must not leave the entry "processing" until it goes stale.
        log.exception("entry %s: unexpected error while transcribing", entry_id)
        db.session.rollback()
        _finish(entry_id, token, status="failed", error=FAILED)
    else:
        _finish(entry_id, token, status="done", machine_transcript=transcript.text, error=None)


def due_entry_ids() -> list[int]:
    """Spoken entries waiting: pending, or processing so long ago that the worker died."""
    rows = db.session.scalars(
        select(Entry.id).where(_due_clause()).order_by(Entry.created_at, Entry.id)
    )
    return list(rows)


def retry_entry(entry: Entry) -> bool:
    """Send a failed entry back to the queue with fresh attempts; False if it was not failed."""
    result = db.session.execute(
        update(Entry)
        .where(Entry.id == entry.id, Entry.status == "failed")
        .values(status="pending", attempts=0, error=None, started_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.refresh(entry)
    if result.rowcount != 1:
        return False
    enqueue(entry.id)
    return True


def release_claims(entry_ids: list[int]) -> None:
    """Put entries this process was transcribing back to pending (it is exiting)."""
    db.session.execute(
        update(Entry)
        .where(Entry.id.in_(entry_ids), Entry.status == "processing")
        .values(status="pending", attempts=Entry.attempts - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def enqueue(entry_id: int, delay: float = 0.0) -> None:
    """Hand an entry to the worker pool (a no-op without one: the row waits for the sweep)."""
    worker = current_app.extensions.get(WORKER_KEY)
    if worker is not None:
        worker.submit(entry_id, delay)


def init_app(app: Flask) -> None:
    """Set up the worker pool; it starts on the first request or job, never for CLI tasks.

    Starting lazily keeps `flask db upgrade` and other commands free of threads, and
    under a forking server it starts in the process that serves, after the fork.
    """
    if not app.config.get("START_WORKER"):
        return
    from .worker import Worker

    worker = Worker(
        app,
        job=transcribe_entry,
        find_due=due_entry_ids,
        size=int(app.config.get("WORKERS") or cores()),
        sweep_every=float(app.config["TRANSCRIBE_SWEEP_SECONDS"]),
        on_start=sweep_partial_uploads,
        on_abandon=release_claims,
    )
    app.extensions[WORKER_KEY] = worker

    @app.before_request
    def _start_worker() -> None:
        start_worker(app)


def start_worker(app: Flask) -> None:
    """Start the app's pool now, if it has one (a serving process at start-up)."""
    worker = app.extensions.get(WORKER_KEY)
    if worker is not None and not worker.started:
        worker.start()


def stop_worker(app: Flask, timeout: float = 10.0) -> None:
    """Stop the app's pool, if it has one (tests, orderly shutdown)."""
    worker = app.extensions.pop(WORKER_KEY, None)
    if worker is not None:
        worker.stop(timeout)


def _due_clause():
    cutoff = utcnow() - timedelta(seconds=float(current_app.config["TRANSCRIBE_STALE_SECONDS"]))
    return and_(
        Entry.kind == "spoken",
        or_(
            Entry.status == "pending",
            and_(Entry.status == "processing", Entry.started_at < cutoff),
        ),
    )


def _claim(entry_id: int):
    """Mark the entry processing if it is due; its new started_at is the claim's token."""
    now = utcnow()
    result = db.session.execute(
        update(Entry)
        .where(Entry.id == entry_id, _due_clause())
        .values(status="processing", started_at=now, attempts=Entry.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return now if result.rowcount == 1 else None


def _finish(entry_id: int, token, **values) -> bool:
    """Record the outcome, unless another worker has since claimed the entry (or it is gone)."""
    result = db.session.execute(
        update(Entry)
        .where(Entry.id == entry_id, Entry.status == "processing", Entry.started_at == token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1
