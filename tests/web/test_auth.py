"""Accounts: register, sign in and out, sessions, limits, CSRF, cookies, account deletion."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tests.helpers import PASSWORD, AuthActions
from tests.journal_factory import AUDIO_BYTES, add_entry, count, user_id
from voiceguide.extensions import db
from voiceguide.models import Entry, User

NEW_ID = "3f1c1e0e-4a4e-4a2e-9d8b-2a3c4d5e6f70"


def signed_in(client) -> bool:
    """True when the API accepts the client's session."""
    return client.get("/api/entries").status_code == 200


def test_register_signs_in_and_stores_an_argon2id_hash(app, client, auth):
    response = auth.register("Alice_1")
    assert response.status_code in (302, 303)
    assert signed_in(client)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "alice_1"))
        assert user is not None  # names are kept in lower case
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


def test_register_page_labels_every_field_with_autocomplete(client):
    html = client.get("/auth/register").get_data(as_text=True)
    assert '<label for="username">' in html
    assert '<label for="password">' in html
    assert '<label for="confirm">' in html
    assert 'autocomplete="username"' in html
    assert html.count('autocomplete="new-password"') == 2
    assert 'aria-describedby="username-hint"' in html


def test_duplicate_name_is_refused_whatever_the_case(app, client, auth):
    auth.register("alice")
    auth.logout()
    response = auth.register("ALICE")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "That name is taken" in html
    assert 'aria-describedby="username-hint username-error"' in html
    assert count(app, User) == 1


@pytest.mark.parametrize(
    ("username", "password", "confirm", "message"),
    [
        ("bob", "password1", None, "very common password"),
        ("bob", "qwertyuiop", None, "common password"),
        ("bob", "bob12345", None, "easy to guess"),
        ("bob", "short", None, "between 8 and 128"),
        ("bob", "x7!" * 43, None, "between 8 and 128"),
        ("bob", PASSWORD, "calm-river-lantern-43", "not the same"),
        ("b", PASSWORD, None, "3 to 32"),
        ("bob smith", PASSWORD, None, "3 to 32"),
        ("b" * 33, PASSWORD, None, "3 to 32"),
    ],
)
def test_bad_sign_ups_are_refused_with_a_reason(app, auth, username, password, confirm, message):
    response = auth.register(username, password, confirm)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(app, User) == 0


def test_long_pasted_password_is_accepted(client, auth):
    password = "Paste-me-from-a-manager-" + "k3Q9zT" * 17  # 126 characters
    assert auth.register("carol", password).status_code == 303
    auth.logout()
    assert auth.login("carol", password).status_code == 303


def test_sign_in_and_out(client, auth):
    auth.register()
    auth.logout()
    assert not signed_in(client)
    response = auth.login("Alice")  # names are not case-sensitive
    assert response.status_code == 303
    assert response.headers["Location"] == "/journal"
    assert signed_in(client)
    response = auth.logout()
    assert response.status_code == 303
    assert not signed_in(client)


@pytest.mark.parametrize(
    ("username", "password"), [("alice", "wrong-password-1"), ("nobody", PASSWORD)]
)
def test_wrong_password_or_unknown_name_fail_alike(client, auth, username, password):
    auth.register()
    auth.logout()
    response = auth.login(username, password)
    assert response.status_code == 401
    assert "That name and password do not match an account." in response.get_data(as_text=True)
    assert not signed_in(client)


def test_sign_in_returns_to_next_page_but_never_off_site(client, auth):
    auth.register()
    auth.logout()
    token = auth.csrf_token("/auth/login")
    form = {"username": "alice", "password": PASSWORD, "csrf_token": token}
    response = client.post("/auth/login?next=/stages/boundaries", data=form)
    assert response.headers["Location"] == "/stages/boundaries"
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        auth.logout()
        form["csrf_token"] = auth.csrf_token("/auth/login")
        response = client.post("/auth/login", query_string={"next": target}, data=form)
        assert response.headers["Location"] == "/journal", target


def test_cookie_copied_before_sign_out_is_useless_after_it(app, client, auth):
    auth.register()
    stolen = client.get_cookie("session").value
    auth.logout()
    auth.login()  # signing in again does not revive the old cookie either
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/api/entries").status_code == 401
    response = thief.get("/journal")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_session_is_renewed_at_sign_in(client, auth):
    auth.register()
    auth.logout()
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    old_token = auth.csrf_token()
    auth.login()
    with client.session_transaction() as session:
        assert "planted" not in session
    response = client.post(
        "/api/entries",
        data={"stage": "boundaries", "prompt": "prompt-1", "client_id": NEW_ID, "text": "hi"},
        headers={"X-CSRFToken": old_token},
    )
    assert response.status_code == 400  # the token of the old session died with it


def test_pages_redirect_to_sign_in_and_the_api_answers_401(client):
    response = client.get("/journal?q=trust")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/journal?q%3Dtrust"
    for method, path in [
        ("GET", "/api/entries"),
        ("GET", "/api/entries/1"),
        ("GET", "/api/entries/1/audio"),
        ("POST", "/api/entries"),  # no CSRF token either: still 401, not 400
        ("PATCH", "/api/entries/1"),
        ("DELETE", "/api/entries/1"),
        ("POST", "/api/entries/1/retry"),
        ("GET", "/api/preferences"),
        ("PUT", "/api/preferences"),
        ("POST", "/api/commands"),
    ]:
        response = client.open(path, method=method)
        assert response.status_code == 401, (method, path)
        assert response.get_json() == {
            "error": "Please sign in first.",
            "code": "sign_in_required",
        }


def test_public_pages_need_no_account(client):
    assert client.get("/api/program").status_code == 200
    for path in ("/", "/help", "/privacy", "/stages/identify-the-root"):
        assert client.get(path).status_code == 200, path
    html = client.get("/stages/identify-the-root").get_data(as_text=True)
    assert "Sign in to save your answers" in html
    assert ">Sign in</a>" in html and ">Register</a>" in html


def test_navigation_offers_journal_and_sign_out_when_signed_in(client, auth):
    auth.register()
    html = client.get("/").get_data(as_text=True)
    assert 'href="/journal"' in html
    assert 'action="/auth/logout"' in html
    assert ">Sign in</a>" not in html


def test_sign_in_limit_per_account(make_app):
    app = make_app(LOGIN_RATE_LIMIT_ACCOUNT="3 per minute")
    client = app.test_client()
    auth = AuthActions(client)
    auth.register()
    auth.logout()
    for _ in range(2):
        assert auth.login().status_code == 303  # successes do not count
        auth.logout()
    for _ in range(3):
        assert auth.login(password="not-it-at-all-9").status_code == 401
    response = auth.login()  # even the right password waits now
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert "Retry-After" in response.headers
    # Another account from the same address is not blocked by this one's limit.
    other = AuthActions(app.test_client())
    other.register("bob")
    other.logout()
    assert other.login("bob").status_code == 303


def test_sign_in_limit_per_address(make_app):
    app = make_app(LOGIN_RATE_LIMIT_ADDRESS="4 per minute")
    auth = AuthActions(app.test_client())
    for name in ("ann", "ben", "cat", "dan"):
        assert auth.login(name, "guessing-away-7").status_code == 401
    response = auth.login("eve", "guessing-away-7")
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)


def test_state_changing_requests_need_the_csrf_token(app, client, auth):
    auth.register()
    entry = add_entry(app, user_id(app, "alice"), corrected="mine")
    refused = [
        client.post("/auth/logout"),
        client.post(
            "/api/entries",
            data={"stage": "boundaries", "prompt": "prompt-1", "client_id": NEW_ID, "text": "x"},
        ),
        client.patch(f"/api/entries/{entry}", json={"transcript": "changed"}),
        client.delete(f"/api/entries/{entry}"),
        client.post(f"/journal/entries/{entry}/delete"),
        client.post("/auth/account/delete", data={"password": PASSWORD}),
    ]
    for response in refused:
        assert response.status_code == 400
        assert "security token" in response.get_data(as_text=True)
        if response.is_json:  # the browser renews its token on this code, not on the words
            assert response.get_json()["code"] == "csrf_expired"
    assert signed_in(client)
    assert count(app) == 1
    # With the header, the same request goes through.
    response = client.patch(
        f"/api/entries/{entry}", json={"transcript": "changed"}, headers=auth.headers()
    )
    assert response.status_code == 200
    token = auth.csrf_token()
    anonymous = app.test_client()
    assert (
        anonymous.post(
            "/auth/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token}
        ).status_code
        == 400
    )


def test_session_cookie_flags(make_app):
    app = make_app()
    plain = AuthActions(app.test_client())
    plain.register()
    cookie = plain.client.get_cookie("session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert not cookie.secure
    secure = app.test_client()
    secure.get("https://localhost/auth/register")
    assert secure.get_cookie("session", domain="localhost") is None
    # Over HTTPS the cookie is kept to this exact origin: Secure, Path=/, no Domain.
    cookie = secure.get_cookie("__Host-voiceguide", domain="localhost")
    assert cookie.secure and cookie.http_only and cookie.same_site == "Lax"
    assert cookie.path == "/" and cookie.origin_only  # no Domain attribute was sent


def test_account_deletion_needs_the_password_and_leaves_nothing(app, client, auth):
    auth.register()
    owner = user_id(app, "alice")
    add_entry(app, owner, corrected="typed words")
    add_entry(app, owner, machine="spoken words", recording=AUDIO_BYTES)
    folder = Path(app.config["RECORDINGS_DIR"]) / str(owner)
    assert any(folder.iterdir())

    page = client.get("/auth/account/delete").get_data(as_text=True)
    assert 'autocomplete="current-password"' in page
    token = auth.csrf_token("/auth/account/delete")
    response = client.post(
        "/auth/account/delete", data={"password": "wrong-password-1", "csrf_token": token}
    )
    assert response.status_code == 401
    assert count(app) == 2 and folder.exists()

    response = client.post("/auth/account/delete", data={"password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303
    assert count(app, User) == 0
    assert count(app, Entry) == 0
    assert not folder.exists()
    assert list(Path(app.config["RECORDINGS_DIR"]).iterdir()) == []
    assert not signed_in(client)
    assert auth.login().status_code == 401
