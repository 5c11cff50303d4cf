"""Abuse limits per account (uploads, voice commands, retries, exports, password checks), the
storage quota, and the security log line each limit leaves."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

from tests.fakes import tone_wav
from tests.helpers import PASSWORD, AuthActions
from tests.journal_factory import add_entry, count, user_id
from voiceguide import config
from voiceguide.models import Entry

STAGE, PROMPT = "identify-the-root", "prompt-1"


def typed(auth: AuthActions, text: str = "an answer"):
    form = {"stage": STAGE, "prompt": PROMPT, "client_id": str(uuid.uuid4()), "text": text}
    return auth.client.post("/api/entries", data=form, headers=auth.headers())


def spoken(auth: AuthActions, data: bytes):
    form = {"stage": STAGE, "prompt": PROMPT, "client_id": str(uuid.uuid4())}
    form["audio"] = (io.BytesIO(data), "answer.wav", "audio/wav")
    return auth.client.post(
        "/api/entries", data=form, headers=auth.headers(), content_type="multipart/form-data"
    )


def signed_up(app, name: str = "alice", address: str = "127.0.0.1") -> AuthActions:
    auth = AuthActions(app.test_client())
    auth.client.environ_base["REMOTE_ADDR"] = address
    auth.register(name)
    return auth


def assert_limited(response, words: str) -> None:
    assert response.status_code == 429
    body = response.get_json()
    assert body["code"] == "rate_limited"
    assert words in body["error"]
    assert "Retry-After" in response.headers


def security_log(app) -> str:
    return (Path(app.config["DATA_DIR"]) / "security.log").read_text()


def test_every_default_limit_is_a_valid_limit_a_person_never_meets():
    from limits import parse_many

    settings = config.defaults("/tmp")
    for name in (
        "UPLOAD_RATE_LIMIT",
        "COMMAND_RATE_LIMIT",
        "RETRY_RATE_LIMIT",
        "EXPORT_RATE_LIMIT",
        "READBACK_RATE_LIMIT",
        "PASSWORD_CHECK_RATE_LIMIT",
    ):
        per_minute = [lim for lim in parse_many(settings[name]) if lim.get_expiry() == 60]
        assert per_minute and per_minute[0].amount >= 5, name
    assert settings["STORAGE_QUOTA_MB"] >= 1024


def test_answers_are_limited_per_account_not_per_address(make_app):
    app = make_app(UPLOAD_RATE_LIMIT="3 per minute")
    alice = signed_up(app, "alice")
    for _ in range(3):
        assert typed(alice).status_code == 201
    assert_limited(typed(alice), "a great many answers")
    # Bob, behind the same proxy address, has a bucket of his own.
    bob = signed_up(app, "bob")
    assert typed(bob).status_code == 201
    assert "event=limit_reached" in security_log(app)
    assert f"account={user_id(app, 'alice')}" in security_log(app)


def test_typed_answers_without_javascript_share_the_answers_limit(make_app):
    app = make_app(UPLOAD_RATE_LIMIT="2 per minute")
    alice = signed_up(app)
    assert typed(alice).status_code == 201
    token = alice.csrf_token(f"/stages/{STAGE}")
    form = {"stage": STAGE, "prompt": PROMPT, "client_id": str(uuid.uuid4()), "text": "x"}
    assert (
        alice.client.post("/journal/entries", data={**form, "csrf_token": token}).status_code == 303
    )
    form["client_id"] = str(uuid.uuid4())
    response = alice.client.post("/journal/entries", data={**form, "csrf_token": token})
    assert response.status_code == 429
    assert "a great many answers" in response.get_data(as_text=True)


def test_voice_commands_are_limited_per_account(make_app):
    app = make_app(COMMAND_RATE_LIMIT="2 per minute")
    alice = signed_up(app)
    clip = tone_wav(0.5)
    for _ in range(2):
        response = alice.client.post(
            "/api/commands", data={"audio": (io.BytesIO(clip), "c.wav")}, headers=alice.headers()
        )
        assert response.status_code == 200
    response = alice.client.post(
        "/api/commands", data={"audio": (io.BytesIO(clip), "c.wav")}, headers=alice.headers()
    )
    assert_limited(response, "voice commands")
    bob = signed_up(app, "bob")  # same address, other account: not limited
    response = bob.client.post(
        "/api/commands", data={"audio": (io.BytesIO(clip), "c.wav")}, headers=bob.headers()
    )
    assert response.status_code == 200


def test_retries_are_limited(make_app):
    app = make_app(RETRY_RATE_LIMIT="2 per minute")
    alice = signed_up(app)
    entry = add_entry(app, user_id(app, "alice"), machine=None, corrected="typed")
    for _ in range(2):  # a typed entry cannot be retried (409), but each try still counts
        assert (
            alice.client.post(f"/api/entries/{entry}/retry", headers=alice.headers()).status_code
            == 409
        )
    response = alice.client.post(f"/api/entries/{entry}/retry", headers=alice.headers())
    assert_limited(response, "retried")


def test_answers_read_aloud_are_limited(make_app):
    app = make_app(READBACK_RATE_LIMIT="2 per minute")
    alice = signed_up(app)
    entry = add_entry(app, user_id(app, "alice"), machine=None, corrected="typed")
    for _ in range(2):  # the fake narration engine is not an offline one: 409, still counted
        assert alice.client.get(f"/api/entries/{entry}/speech").status_code in (200, 409)
    assert_limited(alice.client.get(f"/api/entries/{entry}/speech"), "read aloud")


def test_exports_are_limited(make_app):
    app = make_app(EXPORT_RATE_LIMIT="2 per minute")
    alice = signed_up(app)
    for _ in range(2):
        assert alice.client.get("/journal/export?format=zip").status_code == 200
    response = alice.client.get("/journal/export?format=md")
    assert response.status_code == 429
    assert "downloads of your journal" in response.get_data(as_text=True)


def test_the_deletion_password_check_is_limited_and_logged(make_app):
    app = make_app(PASSWORD_CHECK_RATE_LIMIT="3 per minute")
    alice = signed_up(app)
    token = alice.csrf_token("/auth/account/delete")
    for _ in range(3):
        response = alice.client.post(
            "/auth/account/delete", data={"password": "wrong-guess-77", "csrf_token": token}
        )
        assert response.status_code == 401
    response = alice.client.post(
        "/auth/account/delete", data={"password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 429
    assert "Too many wrong passwords" in response.get_data(as_text=True)
    assert count(app, Entry) == 0 and user_id(app, "alice") is not None  # nothing deleted
    log = security_log(app)
    assert log.count("event=password_check_failed") == 3
    assert "wrong-guess-77" not in log


def test_storage_quota_per_account(make_app):
    app = make_app(STORAGE_QUOTA_MB=0.05)  # about 51 KB
    alice = signed_up(app)
    clip = tone_wav(1.0, rate=16000)  # 32 KB
    assert spoken(alice, clip).status_code == 202
    response = spoken(alice, clip)  # would pass the quota: refused, nothing kept
    assert response.status_code == 413
    body = response.get_json()
    assert body["code"] == "quota_exceeded"
    assert "limit of 0.05 MB" in body["error"]
    assert count(app, Entry) == 1
    folder = Path(app.config["RECORDINGS_DIR"]) / str(user_id(app, "alice"))
    assert len(list(folder.iterdir())) == 1
    assert typed(alice).status_code == 201  # typed answers still work
    bob = signed_up(app, "bob")
    assert spoken(bob, clip).status_code == 202  # a quota of his own
