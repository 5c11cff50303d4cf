"""Helpers for journal tests: entries (with recording files) made directly in the database,
sealed under the owner's data key (opened with their password) as the app would."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, g
from sqlalchemy import select

from voiceguide.accounts import keyring
from voiceguide.extensions import db
from voiceguide.journal import confidence, sealed
from voiceguide.models import Entry, User
from voiceguide.speech.base import Word

from .helpers import PASSWORD

STAGE = "identify-the-root"
OTHER_STAGE = "boundaries"
# A few bytes that start like an Ogg file: the audio route serves bytes, it never decodes them.
AUDIO_BYTES = b"OggS\x00\x02" + bytes(range(256)) * 8


def user_id(app: Flask, username: str) -> int:
    """The id of the account with this name."""
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def add_entry(
    app: Flask,
    owner: int,
    *,
    stage: str = STAGE,
    prompt: str = "prompt-1",
    machine: str | None = None,
    corrected: str | None = None,
    recording: bytes | None = None,
    status: str = "done",
    created_at: datetime | None = None,
    password: str = PASSWORD,
    words: list[tuple[str, float]] | None = None,
) -> int:
    """Add an entry; spoken, with a recording file under RECORDINGS_DIR/<owner>/, if `recording`;
    `words` (text, probability) are the recogniser's confidences in the machine's text.

    Sealed with the owner's key (`password` opens it); plain for an account without keys.
    """
    with app.app_context():
        user = db.session.get(User, owner)
        key = keyring.open_with_password(user, password) if keyring.has_keys(user) else None
        entry = Entry(
            user_id=owner,
            program="building-bridges-of-trust",
            stage=stage,
            prompt=prompt,
            kind="spoken" if recording is not None or machine is not None else "typed",
            client_id=str(uuid.uuid4()),
            status=status,
            created_at=created_at or datetime.now(UTC),
        )
        if recording is not None:
            relative = f"{owner}/{entry.client_id}.ogg"
            path = Path(app.config["RECORDINGS_DIR"]) / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if key is None:
                path.write_bytes(recording)
            else:
                with path.open("wb") as out:
                    sealed.RecordingCipher(key).seal(io.BytesIO(recording), out, relative)
            entry.recording_path = relative
            entry.recording_mimetype = "audio/ogg"
            entry.duration_s = 1.5
        db.session.add(entry)
        db.session.flush()
        if key is None:
            entry.plain_machine, entry.plain_corrected = machine, corrected
        else:
            sealed.set_text(entry, key, "machine", machine)
            sealed.set_text(entry, key, "corrected", corrected)
            if words is not None and machine is not None:
                found = [Word(text, p) for text, p in words]
                entry.words_sealed = confidence.seal_words(key, entry.id, machine, found)
        db.session.commit()
        return entry.id


def recording_path(app: Flask, entry_id: int) -> Path:
    """Where an entry's recording file is."""
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        return Path(app.config["RECORDINGS_DIR"]) / entry.recording_path


def count(app: Flask, model=Entry) -> int:
    """Rows of a model."""
    with app.app_context():
        return len(db.session.scalars(select(model)).all())


def opened(entry: Entry, password: str = PASSWORD) -> Entry:
    """The entry with its texts decrypted in memory, as its owner's session would (inside
    an app context)."""
    key = keyring.open_with_password(entry.owner, password)
    return sealed.open_entry(entry, key)


def recording_bytes(app: Flask, entry_id: int, password: str = PASSWORD) -> bytes:
    """An entry's recording, decrypted with its owner's key."""
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        cipher = sealed.RecordingCipher(keyring.open_with_password(entry.owner, password))
        path = Path(app.config["RECORDINGS_DIR"]) / entry.recording_path
        with cipher.reader(path.open("rb"), path.stat().st_size, entry.recording_path) as f:
            return f.read()


def unlock(user: User, password: str = PASSWORD) -> bytes:
    """Give an account made directly in the database its keys, and open them for this app
    context as its signed-in session would; returns the data key."""
    if not keyring.has_keys(user):
        keyring.set_up(user, password)
        db.session.commit()
    key = keyring.open_with_password(user, password)
    g.voiceguide_data_key = (user.id, key)  # the per-request cache sessions.session_key reads
    return key


def data_key(app: Flask, username: str = "alice", password: str = PASSWORD) -> bytes:
    """An account's data key, opened with its password (what its session holds)."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        return keyring.open_with_password(user, password)
