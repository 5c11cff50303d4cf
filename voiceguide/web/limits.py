"""Who a limit counts against, and what each limit says when it is reached.

Every limit's value is a setting (config.py), read at request time. A signed-in person is
counted by account, so people behind one proxy never share a bucket; anyone else by address.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from ..extensions import limiter


def account_or_address() -> str:
    """The signed-in account, else the client address."""
    if current_user.is_authenticated:
        return f"account:{current_user.id}"
    return f"address:{get_remote_address()}"


def name_at_address() -> str:
    """The account name being signed in to, from this address (failures count per pair)."""
    name = (request.form.get("username") or "").strip().lower()
    return f"sign-in:{name}@{get_remote_address()}"


def setting(name: str) -> Callable[[], str]:
    """The limit kept in the setting `name`."""
    return lambda: current_app.config[name]


def failed(response) -> bool:
    """Only failed attempts count (a success redirects with 303)."""
    return response.status_code != 303


def per_account(name: str, message: str, scope: str | None = None, **options):
    """A limit from setting `name` counted per account (or address), with its sentence.

    Routes given the same `scope` share one count.
    """
    options.setdefault("key_func", account_or_address)
    if scope is not None:
        return limiter.shared_limit(setting(name), scope, error_message=message, **options)
    return limiter.limit(setting(name), error_message=message, **options)


def sign_in_attempts(view: Callable) -> Callable:
    """The sign-in limits, shared by every way of signing in (password, recovery key): per
    address, and failures per (name, address), so nobody elsewhere can refuse the owner."""
    view = limiter.shared_limit(
        setting("LOGIN_RATE_LIMIT_ACCOUNT"),
        "sign-in-failures",
        methods=["POST"],
        key_func=name_at_address,
        deduct_when=failed,
        error_message=SIGN_IN,
    )(view)
    return limiter.shared_limit(
        setting("LOGIN_RATE_LIMIT_ADDRESS"),
        "sign-in",
        methods=["POST"],
        key_func=get_remote_address,
        error_message=SIGN_IN,
    )(view)


ANSWERS = "You have sent a great many answers in a short time. Please wait a minute."
CHUNKS = "Too many pieces of recordings in a short time. Please wait a minute."
COMMANDS = "Too many voice commands in a short time. Please wait a minute."
RETRIES = "Too many transcriptions retried in a short time. Please wait a minute."
EXPORTS = "Too many downloads of your journal in a short time. Please wait a minute."
READBACKS = "Too many answers read aloud in a short time. Please wait a minute."
PASSWORD_CHECKS = "Too many wrong passwords. Please wait a few minutes and try again."
SIGN_IN = "Too many attempts. Please wait a minute and try again."
