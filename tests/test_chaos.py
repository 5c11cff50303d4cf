"""The reliability campaign, small: SIGTERM and SIGKILL while uploads are in flight against
a real `flask serve` (with the Whisper engine), then the integrity check."""

from __future__ import annotations

import random
import signal

import pytest

from scripts.chaos import Client, Server, check, interrupted, kill_round, recover, speech_clip

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> bytes:
    return speech_clip(tmp_path_factory.mktemp("clip"))


@pytest.fixture
def server(tmp_path) -> Server:
    server = Server(tmp_path / "data")
    server.migrate()
    yield server
    if server.process is not None and server.process.poll() is None:
        server.process.kill()


def assert_intact(server: Server, acked: set[str]) -> None:
    result = check(server.data_dir, acked)
    assert (result.lost, result.not_done, result.orphans, result.partial) == ([], [], [], [])


def test_ten_sigterms_during_concurrent_uploads_each_exit_0(server, clip):
    acked: set[str] = set()
    client = Client(server)
    statuses = [
        interrupted(server, client, clip, signal.SIGTERM, acked, rng=random.Random(n))
        for n in range(10)
    ]
    assert statuses == [0] * 10  # never SIGABRT or SIGSEGV from the engines' threads
    assert acked
    recover(server)
    assert_intact(server, acked)


def test_sigkill_rounds_lose_nothing_and_leave_nothing(server, clip):
    acked: set[str] = set()
    client = Client(server)
    rounds = [
        kill_round(server, client, clip, signal.SIGKILL, acked, rng=random.Random(n))
        for n in range(3)
    ]
    assert [r.exit_status for r in rounds] == [-signal.SIGKILL] * 3
    assert acked
    assert_intact(server, acked)
    # Dead holders' jobs run at once after the restart, not after the 15-minute stale timeout.
    assert max(r.recovery_s for r in rounds) < 120
