"""An in-process job pool: daemon threads fed by a queue, plus a sweeper for forgotten jobs.

Jobs are (kind, id) pairs; the database row is the real job, so a lost queue loses nothing: the
sweeper (and every start) asks for the ids that are due and queues them again.
"""

from __future__ import annotations

import atexit
import itertools
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask

from .queue import PRIORITY, TRANSCRIBE

_STOP = -1
"""The priority of the signal that stops a thread (a stopping pool starts no job anyway)."""


class ThreadPool:
    """The embedded queue backend: runs `job(id)` in the app context on `size` daemon threads."""

    def __init__(
        self,
        app: Flask,
        job: Callable[[int], None],
        find_due: Callable[[], list[int]],
        size: int,
        sweep_every: float = 60.0,
        on_start: Callable[[], object] | None = None,
        on_abandon: Callable[[list[int]], None] | None = None,
        other_jobs: dict[str, Callable[[int], None]] | None = None,
    ) -> None:
        self.app = app
        self.job = job
        self.jobs = {TRANSCRIBE: job, **(other_jobs or {})}
        """The function that runs each kind of job (`job` runs the default kind)."""
        self.find_due = find_due
        self.size = max(1, size)
        self.sweep_every = sweep_every
        self.on_start = on_start
        self.on_abandon = on_abandon
        """Called at interpreter exit with the ids of transcriptions running, to hand them back."""
        # (priority, arrival, job): the most urgent kind first (queue.PRIORITY), then in order;
        # a job of None stops a thread.
        self._queue: queue.PriorityQueue[tuple[int, int, tuple[str, int] | None]] = (
            queue.PriorityQueue()
        )
        self._arrivals = itertools.count()
        self._queued: set[tuple[str, int]] = set()  # waiting in the queue, to avoid duplicates
        self._running: set[tuple[str, int]] = set()
        self._timers: dict[object, threading.Timer] = {}  # delayed submissions
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self.started = False

    def start(self) -> None:
        """Start the threads once, then queue every job that is due (after a restart)."""
        with self._lock:
            if self.started:
                return
            self.started = True
            for n in range(self.size):
                thread = threading.Thread(
                    target=self._loop, name=f"voiceguide-worker-{n}", daemon=True
                )
                thread.start()
                self._threads.append(thread)
            sweeper = threading.Thread(
                target=self._sweep_loop, name="voiceguide-sweeper", daemon=True
            )
            sweeper.start()
            self._threads.append(sweeper)
            atexit.register(self._abandon)
        if self.on_start is not None:
            self._in_context(self.on_start)
        self.sweep()

    def submit(self, job_id: int, delay: float = 0.0, kind: str = TRANSCRIBE) -> None:
        """Queue a job now, or after `delay` seconds; starts the pool if needed."""
        self.start()
        key = (kind, job_id)
        if delay > 0:
            token = object()
            timer = threading.Timer(delay, self._fire, args=(token, key))
            timer.daemon = True
            with self._lock:
                self._timers[token] = timer
            timer.start()
            return
        self._put(key)

    def sweep(self) -> int:
        """Queue every job the database says is due; return how many were found."""
        ids = self._in_context(self.find_due) or []
        for job_id in ids:
            self.submit(job_id)
        return len(ids)

    def idle(self) -> bool:
        """Nothing queued, running or scheduled."""
        with self._lock:
            return not self._queued and not self._running and not self._timers

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until idle (tests, benchmarks); False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.idle():
                return True
            time.sleep(0.05)
        return self.idle()

    def stop(self, timeout: float = 10.0) -> None:
        """Let running jobs finish, drop the queue and end the threads."""
        self._stop_taking()
        for _ in range(self.size):
            self._queue.put((_STOP, next(self._arrivals), None))
        for thread in self._threads:
            thread.join(timeout)

    def abandon(self) -> None:
        """Stop taking jobs and hand the running ones back at once, without waiting for them.

        For a process about to exit: its threads die mid-job, and a job that still
        finishes first finds its claim gone and records nothing (the claim's token).
        """
        self._stop_taking()
        self._abandon()

    def _stop_taking(self) -> None:
        """No new job starts: delayed ones cancelled, queued ones dropped (their rows stay due)."""
        self._stopping.set()
        atexit.unregister(self._abandon)
        with self._lock:
            for timer in self._timers.values():
                timer.cancel()
            self._timers.clear()
            self._queued.clear()

    def _abandon(self) -> None:
        """At exit (daemon threads die mid-job): hand running jobs back at once, not when stale."""
        with self._lock:
            running = sorted(job_id for kind, job_id in self._running if kind == TRANSCRIBE)
        if running and self.on_abandon is not None:
            self._in_context(self.on_abandon, running)

    def _fire(self, token: object, key: tuple[str, int]) -> None:
        self._put(key, token)

    def _put(self, key: tuple[str, int], timer_token: object | None = None) -> None:
        with self._lock:  # one step, so that idle() never sees the job in neither place
            self._timers.pop(timer_token, None)
            if key in self._queued or self._stopping.is_set():
                return
            self._queued.add(key)
        self._queue.put((PRIORITY[key[0]], next(self._arrivals), key))

    def _loop(self) -> None:
        while True:
            _, _, key = self._queue.get()
            if key is None or self._stopping.is_set():
                return
            with self._lock:
                self._queued.discard(key)
                self._running.add(key)
            try:
                kind, job_id = key
                self._in_context(self.jobs[kind], job_id)
            finally:
                with self._lock:
                    self._running.discard(key)

    def _sweep_loop(self) -> None:
        while not self._stopping.wait(self.sweep_every):
            self.sweep()

    def _in_context(self, func: Callable[..., Any], *args: Any) -> Any:
        try:
            with self.app.app_context():
                return func(*args)
        except Exception:  # a job's failure must never end the thread
            self.app.logger.exception("background job %s%r failed", func.__name__, args)
            return None
