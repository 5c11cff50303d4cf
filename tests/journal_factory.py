"""Helpers for journal tests: entries (with recording files) made directly in the database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from voiceguide.extensions import db
from voiceguide.models import Entry, User

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
) -> int:
    """Add an entry; spoken, with a recording file under RECORDINGS_DIR/<owner>/, if `recording`."""
    with app.app_context():
        entry = Entry(
            user_id=owner,
            program="building-bridges-of-trust",
            stage=stage,
            prompt=prompt,
            kind="spoken" if recording is not None or machine is not None else "typed",
            client_id=str(uuid.uuid4()),
            machine_transcript=machine,
            corrected_transcript=corrected,
            status=status,
            created_at=created_at or datetime.now(UTC),
        )
        if recording is not None:
            relative = f"{owner}/{entry.client_id}.ogg"
            path = Path(app.config["RECORDINGS_DIR"]) / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(recording)
            entry.recording_path = relative
            entry.recording_mimetype = "audio/ogg"
            entry.duration_s = 1.5
        db.session.add(entry)
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
