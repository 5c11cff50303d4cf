"""What a `celery ... worker` process adds: one model per pool process, and the sweep.

The sweep is a timer in each worker's main process rather than `celery beat`: beat is
one more process that must run exactly once in the cluster, and a cluster without it
silently stops recovering lost jobs. Every worker runs the timer; a short Redis lock
lets one of them sweep per interval, so any surviving worker keeps recovering.
"""

from __future__ import annotations

import socket
import threading
from typing import Any

from flask import Flask

from ..extensions import db
from ..journal.recordings import store
from ..speech import registry
from ..speech.base import SetupError
from . import queue
from .transcription import due_entry_ids

SWEEP_LOCK = "voiceguide:sweep"


class Sweeper:
    """Every `every` seconds, queue each due entry again (pending, or stale processing)."""

    def __init__(self, app: Flask, every: float) -> None:
        self.app = app
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="voiceguide-sweep", daemon=True)
        self._redis: Any = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def sweep(self) -> int:
        """One sweep, if no other worker swept within the interval; how many were queued."""
        if not self._take_turn():
            return 0
        with self.app.app_context():
            ids = due_entry_ids()
            for entry_id in ids:
                queue.enqueue(entry_id)
            store().sweep_partial_uploads()
        return len(ids)

    def _take_turn(self) -> bool:
        if self._redis is None:
            import redis

            self._redis = redis.Redis.from_url(self.app.config["BROKER_URL"], socket_timeout=5)
        # Expires a little before the next round, so the next sweep can never be locked out.
        ttl_ms = max(1, int(self.every * 900))
        return bool(self._redis.set(SWEEP_LOCK, socket.gethostname(), nx=True, px=ttl_ms))

    def _loop(self) -> None:
        while True:
            try:
                found = self.sweep()
                if found:
                    self.app.logger.info("sweep: %s due entries queued again", found)
            except Exception:  # Redis or the database away: try again next round
                self.app.logger.warning("sweep failed; retrying in %.0f s", self.every,
                                        exc_info=True)  # fmt: skip
            if self._stop.wait(self.every):
                return


def install(app: Flask) -> None:
    """Connect the worker signals: per-process set-up and the sweep's timer."""
    from celery import signals

    sweeper = Sweeper(app, app.config["TRANSCRIBE_SWEEP_SECONDS"])

    def process_init(**_: Any) -> None:
        # A forked pool process must not share the parent's database sockets.
        with app.app_context():
            db.engine.dispose(close=False)
        # One job at a time per pool process: one model replica, loaded now, not mid-job.
        app.config["WORKERS"] = 1
        try:
            registry.stt(app)
        except SetupError:  # each job then fails with a reason a person can read
            app.logger.exception("the speech engine cannot be built")

    signals.worker_process_init.connect(process_init, weak=False)
    signals.worker_ready.connect(lambda **_: sweeper.start(), weak=False)
    signals.worker_shutdown.connect(lambda **_: sweeper.stop(), weak=False)
