"""A real `celery worker` for the end-to-end tests, with the fake engine registered.

Run as `python -m tests.jobs.celery_worker_main worker ...` with VOICEGUIDE_* set. The
fake waits VG_TEST_STT_DELAY seconds (a worker that hangs mid-job) and appends
"start <pid>" and "done <pid>" to VG_TEST_CALLS, so a test can count finished jobs.
"""

from __future__ import annotations

import os
import sys
import time

from tests.fakes import FakeSTT
from voiceguide.speech import registry


class LoggedSTT(FakeSTT):
    """FakeSTT that logs each call to a file shared by every worker process."""

    def transcribe(self, pcm, hints=()):
        self._log("start")
        time.sleep(float(os.environ.get("VG_TEST_STT_DELAY", "0")))
        result = super().transcribe(pcm, hints)
        self._log("done")
        return result

    @staticmethod
    def _log(what: str) -> None:
        with open(os.environ["VG_TEST_CALLS"], "a") as calls:
            calls.write(f"{what} {os.getpid()}\n")


def build_stt(config) -> LoggedSTT:
    return LoggedSTT()


if __name__ == "__main__":
    registry.STT_ENGINES["fake"] = "tests.jobs.celery_worker_main:build_stt"
    registry.TTS_ENGINES["fake"] = "tests.fakes:build_tts"
    from voiceguide.celery_app import celery

    celery.worker_main(["worker", *sys.argv[1:]])
