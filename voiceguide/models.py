"""Typed SQLAlchemy models: people and their journal entries."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db


def utcnow() -> datetime:
    """Timezone-aware now, in UTC."""
    return datetime.now(UTC)


class User(UserMixin, db.Model):
    """A person with a private journal."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    session_version: Mapped[int] = mapped_column(default=1)
    """Bumped at sign-out: sessions signed with an older version stop working."""
    preferences: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entries: Mapped[list[Entry]] = relationship(
        back_populates="owner", cascade="all, delete-orphan", passive_deletes=True
    )

    def get_id(self) -> str:
        """Flask-Login identity: id and session version, so old cookies die at sign-out."""
        return f"{self.id}:{self.session_version}"


class Entry(db.Model):
    """One answer to one prompt: spoken (a recording to transcribe) or typed."""

    __tablename__ = "entries"
    __table_args__ = (UniqueConstraint("user_id", "client_id", name="uq_entries_user_client"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    program: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(64), index=True)
    prompt: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))
    """"spoken" (a recording to transcribe) or "typed"."""
    client_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    recording_path: Mapped[str | None] = mapped_column(String(255))
    """Relative to the recordings directory."""
    recording_mimetype: Mapped[str | None] = mapped_column(String(64))
    duration_s: Mapped[float | None]
    machine_transcript: Mapped[str | None] = mapped_column(Text)
    corrected_transcript: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    """pending -> processing -> done or failed (typed entries are done at once)."""
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None]
    """When the current transcription attempt began (stale ones are picked up again)."""

    owner: Mapped[User] = relationship(back_populates="entries")

    @property
    def transcript(self) -> str | None:
        """The person's correction when there is one, else the machine's text."""
        if self.corrected_transcript is not None:
            return self.corrected_transcript
        return self.machine_transcript


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite: write-ahead log for concurrent readers, and enforced foreign keys."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
