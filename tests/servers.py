"""Real PostgreSQL and Redis for the scale-out tests (a plain module, used by fixtures).

`VOICEGUIDE_TEST_POSTGRES_URL` names a PostgreSQL server and a role that may create
databases; each test gets a database of its own there. Redis is a private
`redis-server` on a free port, so a test may restart it without disturbing anyone.
Without them the tests skip with the reason, unless `VOICEGUIDE_TEST_REQUIRE_SERVERS=1`
(`.ci/run` sets it): then a missing server fails the run.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

POSTGRES_ENV = "VOICEGUIDE_TEST_POSTGRES_URL"
REQUIRE_ENV = "VOICEGUIDE_TEST_REQUIRE_SERVERS"


def unavailable(reason: str) -> None:
    """Skip with the reason; fail instead where the servers are required (CI)."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1: CI must not skip this)")
    pytest.skip(reason)


def postgres_url() -> str:
    """The admin URL of the test PostgreSQL server (skips or fails without one)."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        unavailable(f"no PostgreSQL: set {POSTGRES_ENV} (.ci/run does)")
    return url  # type: ignore[return-value]


def _admin(url: str, sql: str) -> None:
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True, connect_timeout=5) as connection:
        connection.execute(sql)


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    """A new, empty database on the server; dropped afterwards, open connections or not."""
    name = f"vg_test_{uuid.uuid4().hex[:12]}"
    _admin(admin_url, f'CREATE DATABASE "{name}"')
    base, _, _query = admin_url.partition("?")
    url = base.rsplit("/", 1)[0] + f"/{name}" + (f"?{_query}" if _query else "")
    try:
        yield url
    finally:
        _drop(admin_url, name)


def _drop(admin_url: str, name: str) -> None:
    """Drop the database, ending its sessions; an autovacuum worker on it may need the
    pg_signal_backend right (scripts/services.sh grants it), else it is waited out."""
    import psycopg

    for wait in (0.5, 1.0, 2.0, 4.0, 0.0):
        try:
            _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except psycopg.errors.InsufficientPrivilege:
            if not wait:
                raise
            time.sleep(wait)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A private redis-server (no persistence: a restart empties it, the worst case)."""

    def __init__(self, directory: Path) -> None:
        self.binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(self.binary).exists():
            unavailable("no redis-server: apt-get install redis-server (.ci/run does)")
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()
