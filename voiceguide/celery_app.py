"""The Celery app for `celery -A voiceguide.celery_app worker`, made by the app factory.

Nothing is built at import: Celery asks for `celery`, and only then is the Flask app
created (configuration from VOICEGUIDE_* variables, as for the web) with its workers'
hooks. Web and workers share the database URL, the data directory and the key files.
"""

from __future__ import annotations

from typing import Any

_celery: Any = None


def __getattr__(name: str) -> Any:
    if name != "celery":
        raise AttributeError(name)
    global _celery
    if _celery is None:
        _celery = _build()
    return _celery


def _build() -> Any:
    from flask.logging import default_handler

    from . import create_app
    from .jobs import celery_worker, queue
    from .jobs.celery_backend import CeleryQueue

    app = create_app()
    backend = queue.current_queue(app)
    if not isinstance(backend, CeleryQueue):
        raise RuntimeError("a Celery worker needs VOICEGUIDE_BROKER_URL (redis://host:6379/0)")
    celery_worker.install(app)
    # Celery logs through the root logger; Flask's own stderr handler would print every
    # line of the app a second time (as a WARNING, through Celery's redirected stderr).
    app.logger.removeHandler(default_handler)
    return backend.celery
