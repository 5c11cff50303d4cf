"""Sign-in limits that cannot lock the owner out (issue 9, item 5), and the password change."""

from __future__ import annotations

import time
from pathlib import Path

from tests.helpers import PASSWORD, AuthActions
from tests.journal_factory import user_id


def from_address(app, address: str) -> AuthActions:
    auth = AuthActions(app.test_client())
    auth.client.environ_base["REMOTE_ADDR"] = address
    return auth


def test_wrong_passwords_from_elsewhere_never_refuse_the_owner(make_app):
    app = make_app(LOGIN_RATE_LIMIT_ACCOUNT="5 per minute; 20 per hour")
    owner = from_address(app, "198.51.100.7")
    owner.register()
    owner.logout()
    attacker = from_address(app, "203.0.113.66")
    for _ in range(5):
        assert attacker.login(password="guess-guess-1").status_code == 401
    assert attacker.login().status_code == 429  # that address is refused, even when right
    assert owner.login().status_code == 303  # the owner, from their own address, is not


def test_failures_from_many_addresses_slow_the_account_but_never_shut_it(make_app):
    app = make_app(LOGIN_SLOWDOWN_AFTER=6, LOGIN_SLOWDOWN_SECONDS=0.3)
    owner = from_address(app, "198.51.100.7")
    owner.register()
    owner.logout()
    for n in range(6):  # a botnet: one guess per address, no per-address limit reached
        assert from_address(app, f"203.0.113.{n}").login(password="guess-1x").status_code == 401
    started = time.perf_counter()
    assert from_address(app, "203.0.113.99").login(password="guess-1x").status_code == 401
    assert time.perf_counter() - started >= 0.3  # the attacker is slowed
    started = time.perf_counter()
    assert owner.login().status_code == 303  # the owner gets in, a little later
    assert time.perf_counter() - started >= 0.3
    other = from_address(app, "198.51.100.8")
    other.register("bob")
    other.logout()
    started = time.perf_counter()
    assert other.login("bob").status_code == 303
    assert time.perf_counter() - started < 0.3  # other accounts are not slowed


def test_sign_ins_and_failures_are_logged_without_names_or_passwords(app):
    auth = from_address(app, "198.51.100.7")
    auth.register()
    auth.logout()
    auth.login(password="Secret-Guess-42")
    auth.login("nosuchperson", "Secret-Guess-42")
    auth.login()
    log = (Path(app.config["DATA_DIR"]) / "security.log").read_text()
    owner = user_id(app, "alice")
    assert f"event=register account={owner} address=198.51.100.7" in log
    assert f"event=sign_out account={owner} address=198.51.100.7" in log
    assert f"event=sign_in_failed account={owner} address=198.51.100.7" in log
    assert "event=sign_in_failed account=- address=198.51.100.7" in log
    assert f"event=sign_in account={owner} address=198.51.100.7" in log
    for secret in ("Secret-Guess-42", PASSWORD, "nosuchperson", "alice"):
        assert secret not in log


def test_password_change_needs_the_current_password_and_signs_out_elsewhere(app):
    here = AuthActions(app.test_client())
    here.register()
    there = AuthActions(app.test_client())
    there.login()
    page = here.client.get("/auth/password").get_data(as_text=True)
    assert 'autocomplete="current-password"' in page
    new = "quiet-harbour-morning-17"
    token = here.csrf_token("/auth/password")
    form = {"current": "not-my-password-1", "password": new, "confirm": new, "csrf_token": token}
    assert here.client.post("/auth/password", data=form).status_code == 401
    assert there.client.get("/api/entries").status_code == 200  # nothing changed yet
    weak = {**form, "current": PASSWORD, "password": "password1", "confirm": "password1"}
    response = here.client.post("/auth/password", data=weak)
    assert response.status_code == 400
    assert "common password" in response.get_data(as_text=True)
    response = here.client.post("/auth/password", data={**form, "current": PASSWORD})
    assert response.status_code == 303
    assert here.client.get("/api/entries").status_code == 200  # this browser stays in
    assert there.client.get("/api/entries").status_code == 401  # every other session ends
    here.logout()
    assert here.login().status_code == 401
    assert here.login(password=new).status_code == 303
    log = (Path(app.config["DATA_DIR"]) / "security.log").read_text()
    assert "event=password_changed" in log and new not in log


def test_sign_in_works_with_the_limiter_switched_off(make_app):
    app = make_app(RATELIMIT_ENABLED=False)
    auth = AuthActions(app.test_client())
    auth.register()
    auth.logout()
    assert auth.login(password="wrong-password-1").status_code == 401
    assert auth.login().status_code == 303
