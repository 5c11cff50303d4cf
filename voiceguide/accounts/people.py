"""Accounts: create, authenticate (by password or recovery key), delete (with every entry
and recording, its keys destroyed first)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict
from ..extensions import db
from ..journal import live, recordings
from ..journal.erasure import checkpoint_after_delete
from ..journal.playable import request_copies
from ..journal.sealing import seal_journal
from ..models import AnswerStream, User
from . import keyring, passwords
from .keyring import Unlocked

NAME_TAKEN = "That name is taken. Please choose another."


def create_account(username: str, password: str) -> Unlocked:
    """A new account with a hashed password and its keys; Conflict when the name is taken.

    The returned recovery key is shown once and kept nowhere in the clear.
    """
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(NAME_TAKEN)
    user = User(username=username, password_hash=passwords.hash_password(password))
    db.session.add(user)
    try:
        db.session.flush()  # the id: each wrap is bound to its account
        unlocked = keyring.set_up(user, password)
        db.session.commit()
    except IntegrityError:  # the same name, registered twice at once
        db.session.rollback()
        raise Conflict(NAME_TAKEN) from None
    return unlocked


def authenticate(username: str, password: str) -> Unlocked | None:
    """The account and its data key when the password is right, else None (in the same
    time either way). A journal kept before encryption is encrypted now, and a recovery
    key made for it."""
    user = db.session.scalar(select(User).where(User.username == username))
    if not passwords.verify_password(user, password) or user is None:
        return None
    if not keyring.has_keys(user) and keyring.claim_first_keys(user):
        unlocked = keyring.set_up(user, password)
        seal_journal(user, unlocked.data_key)  # commits the keys with the sealed journal
    else:
        unlocked = Unlocked(user, keyring.open_with_password(user, password))
        db.session.commit()  # keeps a re-hash or re-wrap, if verification made one
    # Recordings kept before playable copies existed get theirs now, in the background.
    request_copies(user, unlocked.data_key)
    return unlocked


def recover(username: str, recovery_key: str, new_password: str) -> Unlocked | None:
    """Sign in with the recovery key and set a new password; None when the key is wrong.

    The old password stops working, and so does every session.
    """
    user = db.session.scalar(select(User).where(User.username == username))
    data_key = keyring.open_with_recovery(user, recovery_key)
    if user is None or data_key is None:
        return None
    user.password_hash = passwords.hash_password(new_password)
    keyring.wrap_with_password(user, data_key, new_password)
    user.sessions.clear()
    db.session.commit()
    return Unlocked(user, data_key)


def account_id(username: str) -> int | None:
    """The id of the account with this name, if there is one."""
    return db.session.scalar(select(User.id).where(User.username == username))


def change_password(user: User, data_key: bytes, password: str) -> None:
    """Keep a new password (hashed) and re-wrap the data key under it (nothing re-encrypted)."""
    user.password_hash = passwords.hash_password(password)
    keyring.wrap_with_password(user, data_key, password)
    db.session.commit()


def remove_account(user: User) -> None:
    """Destroy the wrapped keys first (committed), then delete the recordings, the entries,
    the streams, the account row, and the recordings folder (streams' chunks included)."""
    keyring.shred(user)
    db.session.commit()
    store = recordings.store()
    for entry in list(user.entries):
        store.delete(entry.recording_path)
        store.delete(entry.playable_path)
    for stream_id in db.session.scalars(
        select(AnswerStream.id).where(AnswerStream.user_id == user.id)
    ):
        live.forget(stream_id)  # this process's decoder of an open stream (its rows cascade)
    user_id = user.id
    db.session.delete(user)
    db.session.commit()
    checkpoint_after_delete()
    try:
        store.delete_owner(user_id)
    except OSError as e:  # the rows are gone; say loudly that files were left behind
        current_app.logger.error("recordings of deleted user %s left behind: %s", user_id, e)
