"""What is on disk: private modes whatever the umask, deleted words gone from the database
files, the signing key where the operator wants it, and logs without private words."""

from __future__ import annotations

import io
import logging
import os
import stat
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tests.fakes import tone_wav
from tests.helpers import PASSWORD, AuthActions
from voiceguide.extensions import db
from voiceguide.models import Entry
from voiceguide.quiet_logs import DropQueryStrings

SECRET_WORDS = "zebra-marmalade-confession"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_data_directory_and_files_are_private_whatever_the_umask(make_app, loose_umask):
    app = make_app()
    auth = AuthActions(app.test_client())
    auth.register()
    form = {"stage": "identify-the-root", "prompt": "prompt-1", "client_id": str(uuid.uuid4())}
    form["audio"] = (io.BytesIO(tone_wav(0.5)), "a.wav", "audio/wav")
    assert auth.client.post("/api/entries", data=form, headers=auth.headers()).status_code == 202
    data = Path(app.config["DATA_DIR"])
    recordings = Path(app.config["RECORDINGS_DIR"])
    assert mode(data) == 0o700
    assert mode(recordings) == 0o700
    folders = [p for p in recordings.iterdir() if p.is_dir()]
    assert folders and all(mode(p) == 0o700 for p in folders)
    files = [p for p in recordings.rglob("*") if p.is_file()]
    assert files and all(mode(p) == 0o600 for p in files)
    for name in ("voiceguide.sqlite", "voiceguide.sqlite-wal", "security.log"):
        assert mode(data / name) == 0o600, name


def test_an_existing_loose_data_directory_is_tightened(make_app, tmp_path):
    loose = tmp_path / "data"
    loose.mkdir(mode=0o755)
    (loose / "voiceguide.sqlite").touch(mode=0o644)
    make_app()
    assert mode(loose) == 0o700
    assert mode(loose / "voiceguide.sqlite") == 0o600


def database_bytes(app) -> bytes:
    data = Path(app.config["DATA_DIR"])
    return b"".join(p.read_bytes() for p in data.glob("voiceguide.sqlite*"))


def typed(auth: AuthActions, words: str) -> int:
    form = {"stage": "identify-the-root", "prompt": "prompt-1", "client_id": str(uuid.uuid4())}
    response = auth.client.post(
        "/api/entries", data={**form, "text": words}, headers=auth.headers()
    )
    return response.get_json()["id"]


def test_a_deleted_entrys_words_are_gone_from_the_database_files(app, client, auth):
    """The words are sealed (tests/test_at_rest.py); the sealed bytes go with the entry too."""
    auth.register()
    entry = typed(auth, SECRET_WORDS)
    with app.app_context():
        sealed = db.session.get(Entry, entry).corrected_sealed
    assert SECRET_WORDS.encode() not in database_bytes(app)
    assert sealed in database_bytes(app)
    assert client.delete(f"/api/entries/{entry}", headers=auth.headers()).status_code == 204
    assert sealed not in database_bytes(app)


def test_a_deleted_accounts_words_are_gone_from_the_database_files(app, client, auth):
    auth.register()
    typed(auth, SECRET_WORDS)
    token = auth.csrf_token("/auth/account/delete")
    response = client.post("/auth/account/delete", data={"password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303
    assert SECRET_WORDS.encode() not in database_bytes(app)


def test_the_signing_key_can_live_outside_the_data_directory(make_app, tmp_path):
    key_file = tmp_path / "keys" / "signing"
    app = make_app(SECRET_KEY=None, SECRET_KEY_FILE=str(key_file))
    assert key_file.exists() and mode(key_file) == 0o600
    assert app.config["SECRET_KEY"] == key_file.read_text().strip()
    assert not (Path(app.config["DATA_DIR"]) / "secret_key").exists()
    again = make_app(SECRET_KEY=None, SECRET_KEY_FILE=str(key_file))
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]


def test_database_errors_never_show_the_values(app):
    with app.app_context(), pytest.raises(IntegrityError) as caught:
        db.session.execute(
            text("INSERT INTO users (username, password_hash, preferences, created_at) "
                 "VALUES (:name, :secret, '{}', '2024-01-01')"),
            {"name": None, "secret": SECRET_WORDS},
        )  # fmt: skip
    assert SECRET_WORDS not in str(caught.value)
    assert "parameters hidden" in str(caught.value)


def test_access_logs_lose_the_query_string(app, caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    logging.getLogger("werkzeug").info(
        '"%s" %s %s', f"GET /journal?q={SECRET_WORDS}&stage=x HTTP/1.1", 200, 512
    )
    assert SECRET_WORDS not in caplog.text
    assert '"GET /journal HTTP/1.1" 200 512' in caplog.text
    record = logging.LogRecord(
        "gunicorn.access", logging.INFO, "", 0, "%(r)s %(q)s",
        {"r": f"GET /journal?q={SECRET_WORDS} HTTP/1.1", "q": f"q={SECRET_WORDS}"}, None,
    )  # fmt: skip
    DropQueryStrings().filter(record)
    assert SECRET_WORDS not in record.getMessage()
