"""On a real PostgreSQL: the idempotent client id and the job's claim under concurrency.

SQLite serialises every writer, so these races only really happen on a server database.
"""

from __future__ import annotations

import io
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.fakes import tone_wav
from tests.helpers import AuthActions
from voiceguide.extensions import db
from voiceguide.jobs import transcription
from voiceguide.models import Entry
from voiceguide.speech import registry

THREADS = 8


@pytest.fixture
def pg_app(make_app, postgres_url):
    app = make_app(DATABASE_URL=postgres_url)
    with app.app_context():
        assert db.engine.dialect.name == "postgresql"
    return app


def signed_in_clients(app, n: int) -> list:
    """n test clients sharing one signed-in session (one person, several tabs or retries)."""
    first = app.test_client()
    auth = AuthActions(first)
    auth.register()
    headers = auth.headers()
    cookie = first.get_cookie("session")
    clients = [first]
    for _ in range(n - 1):
        client = app.test_client()
        client.set_cookie("session", cookie.value)
        clients.append(client)
    return [(client, headers) for client in clients]


def test_concurrent_uploads_with_one_client_id_make_one_entry(pg_app):
    clients = signed_in_clients(pg_app, THREADS)
    client_id = str(uuid.uuid4())
    barrier = threading.Barrier(THREADS)

    def upload(pair) -> tuple[int, int]:
        client, headers = pair
        data = {"stage": "identify-the-root", "prompt": "prompt-1", "client_id": client_id,
                "audio": (io.BytesIO(tone_wav(0.5)), "a.wav")}  # fmt: skip
        barrier.wait()
        response = client.post("/api/entries", data=data, headers=headers)
        return response.status_code, response.get_json()["id"]

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(upload, clients))
    assert sorted(status for status, _ in results) == [200] * (THREADS - 1) + [202]
    assert len({entry_id for _, entry_id in results}) == 1
    with pg_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Entry)) == 1
        entry = db.session.scalars(select(Entry)).one()
        files = [
            p
            for p in Path(pg_app.config["RECORDINGS_DIR"]).rglob("*")
            if p.is_file() and not p.name.startswith(".")
        ]
        assert files == [Path(pg_app.config["RECORDINGS_DIR"]) / entry.recording_path]


def test_concurrent_claims_transcribe_once(pg_app):
    clients = signed_in_clients(pg_app, 1)
    client, headers = clients[0]
    data = {"stage": "identify-the-root", "prompt": "prompt-1", "client_id": str(uuid.uuid4()),
            "audio": (io.BytesIO(tone_wav(0.5)), "a.wav")}  # fmt: skip
    entry_id = client.post("/api/entries", data=data, headers=headers).get_json()["id"]
    barrier = threading.Barrier(THREADS)

    def run() -> None:
        with pg_app.app_context():
            barrier.wait()
            transcription.transcribe_entry(entry_id)

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert registry.stt(pg_app).calls == 1
    with pg_app.app_context():
        entry = db.session.get(Entry, entry_id)
        assert (entry.status, entry.attempts) == ("done", 1)
