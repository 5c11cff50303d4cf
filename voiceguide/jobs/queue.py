"""The job queue's interface: hand an entry id to whichever backend runs the jobs.

The database row is the job; a queue only carries ids, so a lost queue loses nothing
(the backend's sweep finds every due row again).
"""

from __future__ import annotations

from typing import Protocol

from flask import Flask, current_app

EXTENSION_KEY = "voiceguide.queue"
TRANSCRIBE = "transcribe"
"""The job kind of an entry id: transcribe the whole entry (jobs/transcription.py)."""
SEGMENT = "segment"
"""The job kind of a segment id: transcribe one closed segment of a stream (jobs/segments.py)."""
COPY = "copy"
"""The job kind of an entry id whose transcript is out: make its playable copy
(jobs/playable.py). A job of its own, so that nobody's transcript waits for a copy."""
PRIORITY = {TRANSCRIBE: 0, SEGMENT: 1, COPY: 2}
"""Which kind runs first when jobs wait (lower first; in order of arrival within a kind).
At an answer's end a person waits for its transcript; a segment is only a head start on
one (a segment not yet run when its answer ends is covered by the answer's own job and
then ends at once), and a copy is wanted only when the answer is replayed. Under load
the segments wait, so nobody's transcript is held up by other people's segments."""


class JobQueue(Protocol):
    """A backend that runs the transcription job for entry ids."""

    started: bool

    def start(self) -> None:
        """Begin running jobs (and queue every job that is due)."""

    def submit(self, job_id: int, delay: float = 0.0, kind: str = TRANSCRIBE) -> None:
        """Run the job of this kind for this id now, or after `delay` seconds."""

    def stop(self, timeout: float = 10.0) -> None:
        """Stop taking jobs; let running ones finish within `timeout`."""

    def abandon(self) -> None:
        """Stop taking jobs and hand running ones back at once (the process is exiting)."""


def enqueue(entry_id: int, delay: float = 0.0) -> None:
    """Hand an entry to the queue (a no-op without one: the row waits for the sweep)."""
    backend = current_queue(current_app)
    if backend is not None:
        backend.submit(entry_id, delay)


def enqueue_segment(segment_id: int) -> None:
    """Hand a stream's closed segment to the queue (without one, the entry's job covers it)."""
    backend = current_queue(current_app)
    if backend is not None:
        backend.submit(segment_id, 0.0, kind=SEGMENT)


def enqueue_copy(entry_id: int) -> None:
    """Hand an entry's playable copy to the queue (without one, the sweep finds the row)."""
    backend = current_queue(current_app)
    if backend is not None:
        backend.submit(entry_id, 0.0, kind=COPY)


def current_queue(app: Flask) -> JobQueue | None:
    """The app's queue backend, if it has one."""
    backend: JobQueue | None = app.extensions.get(EXTENSION_KEY)
    return backend
