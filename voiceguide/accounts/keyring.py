"""A person's wrapped data key: set up, opened by password or recovery key, re-wrapped,
shredded. The wrapping itself is accounts/keys.py; nothing here commits."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import update

from ..errors import JournalDamaged
from ..extensions import db
from ..models import AnswerStream, Entry, User, UserSession
from . import keys

PASSWORD = "password"
RECOVERY = "recovery"


@dataclass(frozen=True)
class Unlocked:
    """A signed-in person's data key, and a new recovery key when one is to be shown."""

    user: User
    data_key: bytes
    recovery_key: str | None = None


def has_keys(user: User) -> bool:
    """False for an account made before encryption, until its owner's next sign-in."""
    return user.dek_by_password is not None


def claim_first_keys(user: User) -> bool:
    """Whether this transaction is the one to give an account made before encryption its
    first keys. Two first sign-ins at once (a double-clicked button) must not each make
    a data key: the second would lock the first one's sealed journal away for good. The
    conditional UPDATE takes the row's write lock; the loser sees the winner's keys."""
    result = db.session.execute(
        update(User)
        .where(User.id == user.id, User.dek_by_password.is_(None))
        .values(dek_by_password=b"")  # replaced by set_up in this same transaction
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:  # type: ignore[attr-defined]
        return True
    db.session.rollback()
    db.session.refresh(user)
    return False


def set_up(user: User, password: str) -> Unlocked:
    """A new data key, wrapped by the password and by a new recovery key (returned once)."""
    data_key = keys.new_data_key()
    recovery_key = keys.new_recovery_key()
    wrap_with_password(user, data_key, password)
    secret = recovery_key.replace("-", "").encode()  # what recovery_secret makes of it
    user.dek_by_recovery = keys.wrap(keys.secret_kek(secret, RECOVERY), data_key, RECOVERY, user.id)
    return Unlocked(user, data_key, recovery_key)


def wrap_with_password(user: User, data_key: bytes, password: str) -> None:
    """(Re-)wrap the data key under a password, with a fresh salt and today's cost."""
    params = keys.configured_params()
    user.key_salt = keys.new_salt()
    user.key_params = params.as_dict()
    kek = keys.password_kek(password, user.key_salt, params)
    user.dek_by_password = keys.wrap(kek, data_key, PASSWORD, user.id)


def open_with_password(user: User, password: str) -> bytes:
    """The data key, for a password already verified against the account's hash.

    The hash matched, so a wrap that does not open was changed: JournalDamaged, logged.
    """
    params = keys.KdfParams(**(user.key_params or {}))
    kek = keys.password_kek(password, user.key_salt or b"", params)
    try:
        data_key = keys.unwrap(kek, user.dek_by_password, PASSWORD, user.id)
    except keys.WrongKey:
        current_app.logger.error("user %s: the password's wrapped key does not open", user.id)
        raise JournalDamaged() from None
    if params != keys.configured_params():  # the cost was raised: re-wrap at today's
        wrap_with_password(user, data_key, password)
    return data_key


def open_with_recovery(user: User | None, typed: str) -> bytes | None:
    """The data key when `typed` is the account's recovery key, else None."""
    secret = keys.recovery_secret(typed)
    if user is None or secret is None or user.dek_by_recovery is None:
        return None
    try:
        return keys.unwrap(
            keys.secret_kek(secret, RECOVERY), user.dek_by_recovery, RECOVERY, user.id
        )
    except keys.WrongKey:
        return None


def shred(user: User) -> None:
    """Destroy every wrapped copy of the data key (crypto-shredding): once committed, the
    account's sealed words and recordings open for no one, backups of them included."""
    user.dek_by_password = None
    user.dek_by_recovery = None
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id)
        .values(wrapped_key=None, pending_recovery=None)
    )
    db.session.execute(update(Entry).where(Entry.user_id == user.id).values(job_key=None))
    db.session.execute(
        update(AnswerStream).where(AnswerStream.user_id == user.id).values(job_key=None)
    )
