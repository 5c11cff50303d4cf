"""A full disk answers 507 and a busy database 503 with Retry-After, never a bare 500."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from tests.fakes import tone_wav
from tests.journal_factory import add_entry, user_id
from tests.web.test_upload import post_audio, state
from voiceguide import models, uploads
from voiceguide.errors import DatabaseBusy, InsufficientStorage
from voiceguide.extensions import db
from voiceguide.resource_errors import translate


class PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__("error")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), InsufficientStorage),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), InsufficientStorage),
        (OperationalError("x", {}, sqlite3.OperationalError("database or disk is full")),
         InsufficientStorage),
        (OperationalError("x", {}, sqlite3.OperationalError("database is locked")), DatabaseBusy),
        (OperationalError("x", {}, PgError("55P03")), DatabaseBusy),
        (OperationalError("x", {}, PgError("53100")), InsufficientStorage),
    ],
)  # fmt: skip
def test_translated(error, expected):
    assert isinstance(translate(error), expected)


@pytest.mark.parametrize(
    "error",
    [OSError(errno.EACCES, "Permission denied"), OperationalError("x", {}, Exception("syntax"))],
)
def test_other_faults_stay_faults(error):
    assert translate(error) is None


def test_a_full_disk_answers_507_and_leaves_nothing(app, client, auth, monkeypatch):
    auth.register()

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(uploads.os, "fsync", no_space)
    response = post_audio(client, auth, tone_wav(0.5))
    assert response.status_code == 507
    body = response.get_json()
    assert body["code"] == "insufficient_storage"
    assert "storage is full" in body["error"]
    assert state(app) == ([], 0)


def test_a_database_locked_past_its_timeout_answers_503(app, client, auth, monkeypatch):
    monkeypatch.setattr(models, "SQLITE_BUSY_TIMEOUT_MS", 100)
    auth.register()
    entry_id = add_entry(app, user_id(app, "alice"), machine="words")
    with app.app_context():
        db.engine.dispose()  # new connections, with the short timeout
    lock = sqlite3.connect(Path(app.config["DATA_DIR"]) / "voiceguide.sqlite")
    lock.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    try:
        response = client.patch(
            f"/api/entries/{entry_id}", json={"transcript": "new"}, headers=auth.headers()
        )
    finally:
        lock.rollback()
        lock.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json()["code"] == "database_busy"
    assert "nothing was changed" in response.get_json()["error"]
    again = client.patch(
        f"/api/entries/{entry_id}", json={"transcript": "new"}, headers=auth.headers()
    )
    assert again.status_code == 200


def test_other_os_errors_are_still_server_errors(make_app, monkeypatch):
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()

    def broken(*args, **kwargs):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr("voiceguide.web.api.current_program", broken)
    response = client.get("/api/program")
    assert response.status_code == 500
    assert response.get_json()["code"] == "server_error"
