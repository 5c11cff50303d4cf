"""Choosing, starting and stopping the queue's backend: the in-process pool, or Celery."""

from __future__ import annotations

from flask import Flask

from ..journal.recovery import remove_leftovers
from ..speech.recognition import cores
from . import queue
from .celery_backend import CeleryQueue, make_celery
from .playable import convert_waiting
from .pool import ThreadPool
from .segments import transcribe_segment
from .transcription import due_entry_ids, release_claims, transcribe_entry


def init_app(app: Flask) -> None:
    """Set up the pool; it starts on the first request or job, never for CLI tasks.

    Starting lazily keeps `flask db upgrade` and other commands free of threads, and
    under a forking server it starts in the process that serves, after the fork. With a
    broker URL the jobs go to Celery workers instead, and nothing starts here.
    """
    if app.config["BROKER_URL"]:
        app.extensions[queue.EXTENSION_KEY] = CeleryQueue(app, make_celery(app))
        return
    if not app.config["START_WORKER"]:
        return
    app.extensions[queue.EXTENSION_KEY] = ThreadPool(
        app,
        job=transcribe_entry,
        find_due=due_entry_ids,
        size=app.config["WORKERS"] or cores(),
        sweep_every=app.config["TRANSCRIBE_SWEEP_SECONDS"],
        on_start=remove_leftovers,
        on_abandon=release_claims,
        other_jobs={queue.SEGMENT: transcribe_segment, queue.COPY: convert_waiting},
    )

    @app.before_request
    def _start_backend() -> None:
        start(app)


def start(app: Flask) -> None:
    """Start the app's backend now, if it has one (a serving process at start-up)."""
    backend = queue.current_queue(app)
    if backend is not None and not backend.started:
        backend.start()


def stop(app: Flask, timeout: float = 10.0) -> None:
    """Stop the app's backend, if it has one (tests, orderly shutdown)."""
    backend = app.extensions.pop(queue.EXTENSION_KEY, None)
    if backend is not None:
        backend.stop(timeout)


def hand_back(app: Flask) -> None:
    """Stop taking jobs and hand the running ones back at once (the process is exiting)."""
    backend = app.extensions.pop(queue.EXTENSION_KEY, None)
    if backend is not None:
        backend.abandon()
