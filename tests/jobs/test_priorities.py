"""The order jobs run in when several wait: transcripts first, then segments, then copies.

At an answer's end a person waits for its transcript; a stream's segment is only a head
start on one and a playable copy is wanted only when the answer is replayed, so under load
those wait (jobs/queue.PRIORITY). The in-process pool is checked here; Celery on a real
Redis in test_celery.py.
"""

from __future__ import annotations

import threading

from voiceguide.jobs.pool import ThreadPool
from voiceguide.jobs.queue import COPY, SEGMENT, TRANSCRIBE


def test_the_pool_runs_transcripts_then_segments_then_copies_each_in_order(app):
    ran: list[tuple[str, int]] = []
    busy = threading.Event()

    def job(kind: str):
        def run(job_id: int) -> None:
            if job_id == 0:
                busy.wait(10)  # holds the only thread while the others queue
            ran.append((kind, job_id))

        return run

    pool = ThreadPool(
        app,
        job=job(TRANSCRIBE),
        find_due=list,
        size=1,
        other_jobs={SEGMENT: job(SEGMENT), COPY: job(COPY)},
    )
    pool.start()
    try:
        pool.submit(0)
        for kind, job_id in [(SEGMENT, 1), (COPY, 2), (TRANSCRIBE, 3), (SEGMENT, 4),
                             (COPY, 5), (TRANSCRIBE, 6)]:  # fmt: skip
            pool.submit(job_id, kind=kind)
        busy.set()
        assert pool.wait_idle(10)
    finally:
        pool.stop()
    assert ran == [
        (TRANSCRIBE, 0),
        (TRANSCRIBE, 3),
        (TRANSCRIBE, 6),
        (SEGMENT, 1),
        (SEGMENT, 4),
        (COPY, 2),
        (COPY, 5),
    ]


def test_a_stopped_pool_starts_no_queued_job(app):
    ran: list[int] = []
    running, busy = threading.Event(), threading.Event()

    def run(job_id: int) -> None:
        if job_id == 0:
            running.set()
            busy.wait(10)
        ran.append(job_id)

    pool = ThreadPool(app, job=run, find_due=list, size=1)
    pool.start()
    pool.submit(0)
    assert running.wait(10)
    pool.submit(1)
    stopper = threading.Thread(target=pool.stop, kwargs={"timeout": 10})
    stopper.start()
    busy.set()
    stopper.join(10)
    assert ran == [0]
