"""The Celery backend: entry ids go through Redis to `celery ... worker` processes.

Chosen when BROKER_URL is set. The task is a thin wrapper around `transcribe_entry`:
the row stays the job, so a message lost with Redis or a dead worker costs only time
(the workers' sweep queues every due row again).
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from .playable import convert_waiting
from .queue import COPY, PRIORITY, SEGMENT, TRANSCRIBE
from .segments import transcribe_segment
from .transcription import transcribe_entry

TASK_NAME = "voiceguide.transcribe"
SEGMENT_TASK_NAME = "voiceguide.transcribe_segment"
COPY_TASK_NAME = "voiceguide.make_playable_copy"
TASK_NAMES = {TRANSCRIBE: TASK_NAME, SEGMENT: SEGMENT_TASK_NAME, COPY: COPY_TASK_NAME}


def make_celery(app: Flask) -> Any:
    """A Celery app on the configured broker, with the transcription task registered."""
    from celery import Celery

    celery = Celery(app.import_name, broker=app.config["BROKER_URL"], set_as_current=False)
    celery.conf.update(
        # A job is acknowledged only when it has finished, and a worker that dies mid-job
        # hands its message back: with the claim in the row, nothing runs twice to the end.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # Jobs take seconds of CPU each: a process reserves one at a time, so an idle
        # worker never waits behind a busy one's reserved messages.
        worker_prefetch_multiplier=1,
        broker_transport_options={
            "visibility_timeout": app.config["CELERY_VISIBILITY_TIMEOUT"],
            # One Redis list per priority, read most urgent first (queue.PRIORITY): with one
            # message reserved at a time, a waiting transcript goes before any segment or copy.
            "priority_steps": sorted(set(PRIORITY.values())),
        },
        # A lost connection to Redis leaves a running transcription to finish and write its
        # row; the message Redis hands out again then finds the row done.
        worker_cancel_long_running_tasks_on_connection_loss=False,
        broker_connection_retry_on_startup=True,
        # An upload must not hang while Redis is away: the row waits for the sweep instead.
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
        broker_connection_timeout=2,
        task_ignore_result=True,  # the row holds the outcome; no result backend
        task_serializer="json",
        accept_content=["json"],
    )

    @celery.task(name=TASK_NAME)  # type: ignore[untyped-decorator]
    def transcribe(entry_id: int) -> None:
        with app.app_context():
            transcribe_entry(entry_id)

    @celery.task(name=SEGMENT_TASK_NAME)  # type: ignore[untyped-decorator]
    def transcribe_one_segment(segment_id: int) -> None:
        with app.app_context():
            transcribe_segment(segment_id)

    @celery.task(name=COPY_TASK_NAME)  # type: ignore[untyped-decorator]
    def make_playable_copy(entry_id: int) -> None:
        with app.app_context():
            convert_waiting(entry_id)

    return celery


class CeleryQueue:
    """The scaled-out queue backend: `submit` sends a task; workers run it."""

    started = True  # nothing to start in the web process: the workers are elsewhere

    def __init__(self, app: Flask, celery: Any) -> None:
        self.app = app
        self.celery = celery

    def start(self) -> None:
        """Nothing runs here; kept for the JobQueue interface."""

    def submit(self, job_id: int, delay: float = 0.0, kind: str = TRANSCRIBE) -> None:
        """Send the job to the workers (a delay becomes a countdown); the sweep covers a failure."""
        try:
            self.celery.send_task(TASK_NAMES[kind], args=[job_id], countdown=delay or None,
                                  priority=PRIORITY[kind])  # fmt: skip
        except Exception:  # Redis away: the committed row is still due, a sweep sends it
            self.app.logger.warning("%s %s: could not reach the broker; left to the sweep",
                                    kind, job_id, exc_info=True)  # fmt: skip

    def stop(self, timeout: float = 10.0) -> None:
        """Close the connections to the broker."""
        self.celery.close()

    def abandon(self) -> None:
        """Nothing runs in this process to hand back: the workers hold the jobs."""
        self.stop()
