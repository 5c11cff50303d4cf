"""The recovery key: shown once after sign-up, downloadable, confirmed; signing in with it
sets a new password, and the old one stops working."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from tests.helpers import PASSWORD, AuthActions
from voiceguide.extensions import db
from voiceguide.models import Entry

NEW_PASSWORD = "amber-kettle-orchard-77"


def shown_key(auth: AuthActions) -> str:
    page = auth.client.get("/auth/recovery-key").get_data(as_text=True)
    groups = re.findall(r'<span class="recovery-group">([0-9A-Z]{4})</span>', page)
    assert len(groups) == 8
    return "-".join(groups)


def typed(auth: AuthActions, text: str):
    form = {"stage": "identify-the-root", "prompt": "prompt-1", "text": text,
            "client_id": str(uuid.uuid4())}  # fmt: skip
    return auth.client.post("/api/entries", data=form, headers=auth.headers())


def keep(auth: AuthActions, **extra) -> object:
    token = auth.csrf_token("/auth/recovery-key")
    return auth.client.post("/auth/recovery-key", data={"csrf_token": token, **extra})


def recover(auth: AuthActions, key: str, password: str = NEW_PASSWORD, username="alice"):
    token = auth.csrf_token("/auth/recover")
    data = {"username": username, "recovery_key": key, "password": password,
            "confirm": password, "csrf_token": token}  # fmt: skip
    return auth.client.post("/auth/recover", data=data)


def test_sign_up_leads_to_the_recovery_key_shown_once(client, auth):
    register = client.get("/auth/register").get_data(as_text=True)
    assert "your journal is gone" in register
    response = auth.register()
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/auth/recovery-key")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    key = shown_key(auth)
    spelled = ", ".join(" ".join(g) for g in key.split("-"))
    assert f'<span class="visually-hidden">Recovery key: {spelled}</span>' in page
    download = client.get("/auth/recovery-key.txt")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert key in download.get_data(as_text=True)
    assert keep(auth).status_code == 400  # the box must be ticked
    response = keep(auth, kept="y")
    assert response.status_code == 303
    assert client.get("/auth/recovery-key").status_code == 303  # never shown again
    assert client.get("/auth/recovery-key.txt").status_code == 303


def test_recovery_key_sign_in_sets_a_new_password(app, client, auth):
    auth.register()
    key = shown_key(auth)
    assert typed(auth, "kept words").status_code == 201
    elsewhere = AuthActions(app.test_client())
    assert elsewhere.login().status_code == 303
    auth.logout()
    assert recover(auth, "ABCD-" * 7 + "ABCD").status_code == 401
    as_typed = key.lower().replace("-", " ")  # any case, spaces instead of dashes
    response = recover(auth, as_typed)
    assert response.status_code == 303 and response.headers["Location"] == "/journal"
    entries = auth.client.get("/api/entries").get_json()["entries"]
    assert [e["transcript"] for e in entries] == ["kept words"]
    assert elsewhere.client.get("/api/entries").status_code == 401  # every session ended
    auth.logout()
    assert auth.login(password=PASSWORD).status_code == 401  # the old password is gone
    assert auth.login(password=NEW_PASSWORD).status_code == 303
    assert auth.client.get("/api/entries").get_json()["entries"][0]["transcript"] == "kept words"


def test_a_wrong_recovery_key_or_unknown_name_says_only_no(auth):
    auth.register()
    key = shown_key(auth)
    auth.logout()
    assert recover(auth, key, username="nobody").status_code == 401
    assert recover(auth, "not a key").status_code == 401
    assert auth.login().status_code == 303  # the password still works


def test_password_change_rewraps_without_reencrypting(app, client, auth):
    auth.register()
    assert typed(auth, "same words").status_code == 201
    with app.app_context():
        before = db.session.scalar(select(Entry.corrected_sealed))
    token = auth.csrf_token("/auth/password")
    response = client.post("/auth/password", data={
        "current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
        "csrf_token": token,
    })  # fmt: skip
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Entry.corrected_sealed)) == before
    auth.logout()
    assert auth.login().status_code == 401
    assert auth.login(password=NEW_PASSWORD).status_code == 303
    assert client.get("/api/entries").get_json()["entries"][0]["transcript"] == "same words"
