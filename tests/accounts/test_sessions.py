"""Sessions: opaque server-side tokens that no later account can inherit; their end."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select, update

from tests.helpers import PASSWORD, AuthActions
from tests.journal_factory import add_entry, user_id
from voiceguide.extensions import db
from voiceguide.models import User, UserSession, utcnow


def delete_account(auth: AuthActions):
    token = auth.csrf_token("/auth/account/delete")
    return auth.client.post(
        "/auth/account/delete", data={"password": PASSWORD, "csrf_token": token}
    )


def test_a_deleted_accounts_cookie_never_opens_the_next_new_account(app):
    """Issue 9, item 1, exactly: the old cookie must not read the next person's journal."""
    first = AuthActions(app.test_client())
    first.register("first")
    kept = first.client.get_cookie("session").value
    assert delete_account(first).status_code == 303

    second = AuthActions(app.test_client())
    second.register("second")
    add_entry(app, user_id(app, "second"), corrected="the second person's private words")

    old = app.test_client()
    old.set_cookie("session", kept)
    response = old.get("/api/entries")
    assert response.status_code == 401
    assert "private words" not in response.get_data(as_text=True)
    assert old.get("/journal").status_code == 302


def test_ids_are_never_reused(app):
    first = AuthActions(app.test_client())
    first.register("first")
    gone = user_id(app, "first")
    entry = add_entry(app, gone, corrected="x")
    delete_account(first)
    AuthActions(app.test_client()).register("second")
    assert user_id(app, "second") > gone
    assert add_entry(app, user_id(app, "second"), corrected="y") > entry


def test_the_cookie_holds_a_random_token_and_the_database_only_its_hash(app, client, auth):
    auth.register()
    with client.session_transaction() as session:
        token = session["_user_id"]
    assert len(token) >= 43  # 32 random bytes, base64: 256 bits
    with app.app_context():
        row = db.session.scalar(select(UserSession))
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in row.token_hash


def test_the_browser_storage_key_is_random_and_not_the_id(app, client, auth):
    auth.register()
    with app.app_context():
        user = db.session.scalar(select(User))
        key, ident = user.storage_key, user.id
    assert len(key) == 32 and key != str(ident)
    html = client.get("/stages/identify-the-root").get_data(as_text=True)
    assert f'data-user="{key}"' in html


def test_sign_out_ends_this_session_only(app):
    laptop = AuthActions(app.test_client())
    laptop.register()
    phone = AuthActions(app.test_client())
    phone.login()
    response = laptop.logout()
    assert response.headers["Clear-Site-Data"] == '"cache"'
    assert laptop.client.get("/api/entries").status_code == 401
    assert phone.client.get("/api/entries").status_code == 200


def last_used(app, ago: timedelta) -> None:
    """Pretend every session was last used this long ago."""
    with app.app_context():
        db.session.execute(update(UserSession).values(last_seen_at=utcnow() - ago))
        db.session.commit()


def test_an_idle_session_ends(make_app):
    app = make_app(SESSION_IDLE_MINUTES=30)
    auth = AuthActions(app.test_client())
    auth.register()
    last_used(app, timedelta(minutes=29))
    assert auth.client.get("/api/entries").status_code == 200  # and that use renews it
    last_used(app, timedelta(minutes=31))
    assert auth.client.get("/api/entries").status_code == 401
    with app.app_context():
        assert db.session.scalar(select(UserSession)) is None  # ended, not just refused


def test_a_session_ends_after_its_lifetime_even_in_use(make_app):
    app = make_app(SESSION_LIFETIME_HOURS=12)
    auth = AuthActions(app.test_client())
    auth.register()
    with app.app_context():
        db.session.execute(
            update(UserSession).values(created_at=utcnow() - timedelta(hours=12, minutes=1))
        )
        db.session.commit()
    assert auth.client.get("/api/entries").status_code == 401
