"""Typed SQLAlchemy models: people and their journal entries."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from .extensions import Base, db

# Flask-SQLAlchemy builds db.Model at run time; to the type checker it is the typed Base.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


SQLITE_BUSY_TIMEOUT_MS = 5000
"""How long a SQLite write waits for the lock before it fails (503 database_busy)."""


class EntryStatus(StrEnum):
    """Where an entry is on its way to a transcript."""

    PENDING = "pending"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"


class EntryKind(StrEnum):
    """How the answer was given."""

    SPOKEN = "spoken"
    TYPED = "typed"


def utcnow() -> datetime:
    """Timezone-aware now, in UTC."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator):
    """A moment, always handed back time-zone aware in UTC.

    PostgreSQL keeps it as `timestamptz`; SQLite has no zone, so it gets naive UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UtcDateTime needs an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class StrEnumType(TypeDecorator):
    """A StrEnum kept as its plain string value (no database enum type, no constraint)."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)


def isoformat(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, for JSON and exports."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def new_storage_key() -> str:
    """A random name for a person's data in the browser (128 bits, never reused)."""
    return secrets.token_hex(16)


# Ids are never handed out twice (SQLite: AUTOINCREMENT; PostgreSQL: a sequence), so that
# nothing that still names a deleted account or entry can ever point at a new one.
_NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


class User(UserMixin, Model):
    """A person with a private journal."""

    __tablename__ = "users"
    __table_args__ = _NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    storage_key: Mapped[str] = mapped_column(String(32), unique=True, default=new_storage_key)
    """Names this person's data in the browser (outbox, progress): random, never reused."""
    preferences: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The envelope (accounts/keys.py). All None for an account made before issue 12, until
    # its owner's next sign-in encrypts the journal (journal/sealing.py).
    key_salt: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_params: Mapped[dict | None] = mapped_column(JSON)
    """argon2id's cost for this person's password key, so that it can be raised later."""
    dek_by_password: Mapped[bytes | None] = mapped_column(LargeBinary)
    dek_by_recovery: Mapped[bytes | None] = mapped_column(LargeBinary)

    entries: Mapped[list[Entry]] = relationship(
        back_populates="owner", cascade="all, delete-orphan", passive_deletes=True
    )
    sessions: Mapped[list[UserSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )


class UserSession(Model):
    """One signed-in session: the hash of its random token, never the token itself."""

    __tablename__ = "sessions"
    __table_args__ = _NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 of the cookie's token: a copy of this table opens no session."""
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The data key wrapped under a key derived from the cookie's token: neither this row
    nor the cookie alone opens the journal."""
    pending_recovery: Mapped[bytes | None] = mapped_column(LargeBinary)
    """A new recovery key, sealed the same way, until its owner confirms they kept it."""

    user: Mapped[User] = relationship(back_populates="sessions")


class Entry(Model):
    """One answer to one prompt: spoken (a recording to transcribe) or typed."""

    __tablename__ = "entries"
    __table_args__ = (
        UniqueConstraint("user_id", "client_id", name="uq_entries_user_client"),
        _NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    program: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(64), index=True)
    prompt: Mapped[str] = mapped_column(String(64))
    kind: Mapped[EntryKind] = mapped_column(StrEnumType(EntryKind, 8))
    client_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    recording_path: Mapped[str | None] = mapped_column(String(255))
    """Relative to the recordings directory."""
    recording_mimetype: Mapped[str | None] = mapped_column(String(64))
    playable_path: Mapped[str | None] = mapped_column(String(255))
    """The journal's copy of the recording (AAC in MP4, sealed like it), made by the job;
    None until then (the original is served meanwhile)."""
    duration_s: Mapped[float | None]
    """Seconds: the upload's declared length, then the decoded samples' exact one."""
    machine_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    corrected_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    """AES-GCM under the owner's data key, bound to this id and field (journal/sealed.py)."""
    words_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The recogniser's confidence in each word of the machine transcript (sealed JSON,
    journal/confidence.py); None for engines that give none, and after a correction."""
    plain_machine: Mapped[str | None] = mapped_column("machine_transcript", Text)
    plain_corrected: Mapped[str | None] = mapped_column("corrected_transcript", Text)
    """Text kept before issue 12: moved into the sealed columns at the owner's next sign-in."""
    job_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The data key wrapped for this entry's transcription job; erased when the job ends."""
    status: Mapped[EntryStatus] = mapped_column(
        StrEnumType(EntryStatus, 16), default=EntryStatus.PENDING, index=True
    )
    """pending -> processing -> done or failed (typed entries are done at once)."""
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """When the current transcription attempt began (stale ones are picked up again)."""
    claimed_by: Mapped[str | None] = mapped_column(String(160))
    """Who holds the "processing" claim (jobs/holder.py): a dead holder's job is retried at once."""
    interrupted: Mapped[bool] = mapped_column(default=False, server_default=false())
    """Made from a streamed answer that stopped without a finish (the tab closed mid-answer)."""
    checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """When the person said the machine's transcript looks right (a correction checks it too)."""

    owner: Mapped[User] = relationship(back_populates="entries")

    @property
    def machine_transcript(self) -> str | None:
        """The machine's text, once the entry is opened with its owner's key."""
        return self._text("machine")

    @property
    def corrected_transcript(self) -> str | None:
        """The person's correction, once the entry is opened with its owner's key."""
        return self._text("corrected")

    def _text(self, field: str) -> str | None:
        opened = self.__dict__.get("_opened")
        if opened is not None:
            return opened[field]
        if getattr(self, f"{field}_sealed") is not None:
            # A code path that forgot to open the entry: never show ciphertext or nothing.
            raise RuntimeError(f"entry {self.id} was read before it was opened")
        return getattr(self, f"plain_{field}")

    @property
    def transcript(self) -> str | None:
        """The person's correction when there is one, else the machine's text."""
        if self.corrected_transcript is not None:
            return self.corrected_transcript
        return self.machine_transcript

    @property
    def unchecked(self) -> bool:
        """A machine transcript the person has neither confirmed nor corrected yet."""
        return (
            self.machine_transcript is not None
            and self.corrected_transcript is None
            and self.checked_at is None
        )


class AnswerStream(Model):
    """A spoken answer arriving in numbered chunks while the person speaks (journal/streams.py).

    Open while `open_key` is set: one open stream per person per question, by a unique
    constraint (NULLs never collide). Closed when finished or interrupted; then `entry_id`
    names the entry it became (None when nothing usable had arrived).
    """

    __tablename__ = "answer_streams"
    __table_args__ = (
        UniqueConstraint("user_id", "client_id", name="uq_answer_streams_user_client"),
        UniqueConstraint("user_id", "open_key", name="uq_answer_streams_user_open"),
        _NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[str] = mapped_column(String(36))
    """The client_id its entry will carry: a whole-file resend with it finds that entry."""
    stage: Mapped[str] = mapped_column(String(64))
    prompt: Mapped[str] = mapped_column(String(64))
    open_key: Mapped[str | None] = mapped_column(String(130))
    """'<stage>/<prompt>' while open, None once closed."""
    chunks: Mapped[int] = mapped_column(default=0)
    """Chunks stored so far."""
    size: Mapped[int] = mapped_column(default=0)
    """Bytes stored so far."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_chunk_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id", ondelete="SET NULL"))
    job_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The data key wrapped for this stream's segment jobs and the idle sweep (accounts/
    keys.wrap_for_job, kind "stream"); erased when the stream's work is over."""


class StreamSegment(Model):
    """A closed segment of a stream (between two pauses), transcribed while the person speaks.

    Its text is the person's words, sealed like a transcript; the rows go when the entry's
    transcription has joined them (jobs/transcription.py) or the entry is deleted.
    """

    __tablename__ = "stream_segments"
    __table_args__ = (
        UniqueConstraint("stream_id", "number", name="uq_stream_segments_stream_number"),
        _NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stream_id: Mapped[int] = mapped_column(
        ForeignKey("answer_streams.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    """0, 1, 2... in the order they were spoken."""
    start_s: Mapped[float]
    end_s: Mapped[float]
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=utcnow)
    """When the pause that closed it was heard (None for rows older than the column)."""
    status: Mapped[EntryStatus] = mapped_column(
        StrEnumType(EntryStatus, 16), default=EntryStatus.PENDING
    )
    text_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The segment's transcript ("" when it held no words), sealed under the owner's data
    key and bound to the stream and the segment's number (journal/sealed.stream_context)."""


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite: write-ahead log for concurrent readers, enforced foreign keys, and deleted
    content overwritten with zeros rather than left in free pages."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()
