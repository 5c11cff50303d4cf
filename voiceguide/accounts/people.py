"""Accounts: create, authenticate, delete (with every entry and recording)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict
from ..extensions import db
from ..journal import recordings
from ..journal.erasure import checkpoint_after_delete
from ..models import User
from . import passwords

NAME_TAKEN = "That name is taken. Please choose another."


def create_account(username: str, password: str) -> User:
    """A new account with a hashed password; Conflict when the name is taken."""
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(NAME_TAKEN)
    user = User(username=username, password_hash=passwords.hash_password(password))
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:  # the same name, registered twice at once
        db.session.rollback()
        raise Conflict(NAME_TAKEN) from None
    return user


def authenticate(username: str, password: str) -> User | None:
    """The account when the password is right, else None (in the same time either way)."""
    user = db.session.scalar(select(User).where(User.username == username))
    if not passwords.verify_password(user, password):
        return None
    db.session.commit()  # keeps a re-hash, if verification made one
    return user


def account_id(username: str) -> int | None:
    """The id of the account with this name, if there is one."""
    return db.session.scalar(select(User.id).where(User.username == username))


def change_password(user: User, password: str) -> None:
    """Keep a new password (hashed)."""
    user.password_hash = passwords.hash_password(password)
    db.session.commit()


def remove_account(user: User) -> None:
    """Delete a user's recordings, entries and account row, then their recordings folder."""
    store = recordings.store()
    for entry in list(user.entries):
        store.delete(entry.recording_path)
    user_id = user.id
    db.session.delete(user)
    db.session.commit()
    checkpoint_after_delete()
    try:
        store.delete_owner(user_id)
    except OSError as e:  # the rows are gone; say loudly that files were left behind
        current_app.logger.error("recordings of deleted user %s left behind: %s", user_id, e)
