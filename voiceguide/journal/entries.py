"""The journal's operations on entries: create typed or spoken, correct, delete, retry, find.

An operation that commits a row is the one that queues its job, after the commit.
Refusals are `voiceguide.errors` exceptions; nothing here knows about HTTP.

Words and recordings are sealed under the owner's data key (journal/sealed.py), which
only the owner's own session opens (accounts/sessions.session_key): every entry handed
out here is opened in memory for its owner, and search runs on the opened text.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from ..accounts import keys
from ..accounts.sessions import session_key
from ..errors import BadRequest, Conflict, InvalidText, NotFound, QueryTooLong, QuotaExceeded
from ..extensions import db
from ..jobs import queue
from ..models import AnswerStream, Entry, EntryKind, EntryStatus, User, utcnow
from ..program import Part, Stage, current_program
from . import recordings, sealed
from .erasure import checkpoint_after_delete

MAX_TEXT = 10_000
"""Longest typed answer or correction, in characters."""
MAX_QUERY_WORDS = 20
MAX_QUERY_CHARS = 500
"""Longest search: SQLite refuses LIKE patterns past 50,000 bytes, and no person types more."""


def owned_entry(user: User, entry_id: int) -> Entry:
    """The person's entry with this id; anyone else's is NotFound, like a missing one."""
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.user_id != user.id:
        raise NotFound("There is no such entry in your journal.")
    return sealed.open_entry(entry, session_key(user))


def user_entries(
    user: User,
    stage: str | None = None,
    query: str | None = None,
    newest_first: bool = True,
    prompt: str | None = None,
) -> list[Entry]:
    """A person's entries, optionally of one stage (or question) and matching every word.

    The words are matched on the text decrypted in memory (case-insensitive substrings).
    """
    order = (
        (Entry.created_at.desc(), Entry.id.desc()) if newest_first else (Entry.created_at, Entry.id)
    )
    if query is not None and len(query) > MAX_QUERY_CHARS:
        raise QueryTooLong(f"The search is too long; the limit is {MAX_QUERY_CHARS} characters.")
    stmt = select(Entry).where(Entry.user_id == user.id).order_by(*order)
    if stage:
        stmt = stmt.where(Entry.stage == stage)
    if prompt:
        stmt = stmt.where(Entry.prompt == prompt)
    key = session_key(user)
    found = [sealed.open_entry(entry, key) for entry in db.session.scalars(stmt)]
    words = [w.casefold() for w in (query or "").split()[:MAX_QUERY_WORDS]]
    if not words:
        return found
    return [e for e in found if all(w in _searchable(e) for w in words)]


def _searchable(entry: Entry) -> str:
    # Both texts, as the search in SQL did: a word the machine heard still finds the entry.
    return f"{entry.corrected_transcript or ''}\n{entry.machine_transcript or ''}".casefold()


def parse_client_id(raw: str | None) -> str:
    """The client's UUID in canonical form; BadRequest when missing or not a UUID."""
    try:
        return str(uuid.UUID((raw or "").strip()))
    except ValueError:
        raise BadRequest("client_id must be a UUID made by the client.") from None


def find_prompt(stage_id: str | None, prompt_id: str | None) -> tuple[Stage, Part]:
    """The stage and its prompt part; NotFound when either is unknown or the part is no prompt."""
    stage = current_program().stage(stage_id or "")
    if stage is None:
        raise NotFound("There is no such stage.")
    part = stage.part(prompt_id or "")
    if part is None or part.kind != "prompt":
        raise NotFound("That stage has no such question.")
    return stage, part


def clean_text(raw: object, what: str = "answer") -> str:
    """Typed text, trimmed; BadRequest when it is not text, empty, too long or not valid text."""
    if not isinstance(raw, str) or not raw.strip():
        raise BadRequest(f"The {what} is empty.")
    text = raw.strip()
    if len(text) > MAX_TEXT:
        raise BadRequest(f"The {what} is too long; the limit is {MAX_TEXT:,} characters.")
    # JSON may escape a lone surrogate ("\ud800"), which no database can store as text;
    # PostgreSQL refuses NUL in text too.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidText(
            f"The {what} holds a broken character (an unpaired surrogate); please type it again."
        ) from None
    if "\x00" in text:
        raise InvalidText(f"The {what} holds a NUL character, which is not text.")
    return text


def by_client_id(user: User, client_id: str) -> Entry | None:
    """The entry this person already made with this client id, if any (opened)."""
    entry = db.session.scalar(
        select(Entry).where(Entry.user_id == user.id, Entry.client_id == client_id)
    )
    return sealed.open_entry(entry, session_key(user)) if entry is not None else None


def create_typed_entry(
    user: User, stage: Stage, part: Part, client_id: str, text: str
) -> tuple[Entry, bool]:
    """Save a typed answer; (entry, True), or (the existing entry, False) for a known client id."""
    existing = by_client_id(user, client_id)
    if existing is not None:
        return existing, False
    key = session_key(user)
    entry = _new_entry(user, stage, part, client_id, EntryKind.TYPED, status=EntryStatus.DONE)
    return _commit_new(user, entry, client_id, lambda e: sealed.set_text(e, key, "corrected", text))


def create_spoken_entry(
    user: User, stage: Stage, part: Part, client_id: str, audio: IO[bytes]
) -> tuple[Entry, bool]:
    """Store the recording durably, commit a pending entry, then queue its transcription.

    Returns (entry, True), or (the existing entry, False) for a known client id. An
    UploadError leaves no file and no row.
    """
    existing = by_client_id(user, client_id)
    if existing is not None:
        return existing, False
    return save_spoken_entry(
        user, stage, part, client_id, lambda store, limits: store.receive(user.id, audio, **limits)
    )


Receive = Callable[[recordings.RecordingStore, dict[str, Any]], recordings.StoredRecording]
"""Stores one recording in the store, given the size and length limits and the cipher that
seals it as keywords."""


def save_spoken_entry(
    user: User,
    stage: Stage,
    part: Part,
    client_id: str,
    receive: Receive,
    *,
    interrupted: bool = False,
    before_commit: Callable[[], None] | None = None,
    key: bytes | None = None,
) -> tuple[Entry, bool]:
    """Store a recording with `receive`, sealed, commit its pending entry (its job given the
    data key), then queue the job.

    The quota is checked before and after; `before_commit` changes other rows in the same
    transaction (a stream closing). `key` is the owner's data key when there is no session
    (an idle stream closed by the sweep); else the session's. An UploadError leaves no
    file and no row.
    """
    config = current_app.config
    store = recordings.store()
    key = key if key is not None else session_key(user)
    quota = int(config["STORAGE_QUOTA_MB"] * 1024 * 1024)
    used = store.usage(user.id)
    if used >= quota:  # refused before any decoding work
        raise QuotaExceeded(_full())
    limits = {
        "max_bytes": config["MAX_CONTENT_LENGTH"],
        "max_seconds": config["MAX_RECORDING_SECONDS"],
        "cipher": sealed.RecordingCipher(key),
    }
    # The store's shared lock, from the first byte on disk to the commit: start-up
    # recovery never removes this file as "without a row" (journal/recovery.py).
    with store.writing():
        stored = receive(store, limits)
        if used + stored.size > quota:
            store.delete(stored.name)
            raise QuotaExceeded(_full())
        entry = _new_entry(
            user, stage, part, client_id, EntryKind.SPOKEN, status=EntryStatus.PENDING,
            recording_path=stored.name, recording_mimetype=stored.mimetype,
            duration_s=stored.seconds, attempts=0, interrupted=interrupted,
        )  # fmt: skip
        if before_commit is not None:
            before_commit()
        try:
            entry, created = _commit_new(user, entry, client_id, lambda e: _give_job_key(e, key))
        except BaseException:
            store.delete(stored.name)
            raise
    if not created:  # the same client id won a race: keep theirs, drop this file
        store.delete(stored.name)
        return entry, False
    queue.enqueue(entry.id)
    return entry, True


def _full() -> str:
    return (
        "Your journal's recordings have reached this server's limit of "
        f"{current_app.config['STORAGE_QUOTA_MB']:g} MB. "
        "Download or delete some recordings to make room; typed answers still work."
    )


def _new_entry(
    user: User, stage: Stage, part: Part, client_id: str, kind: EntryKind, **fields: Any
) -> Entry:
    """An entry row for one answer to one question of the current program (not yet added)."""
    return Entry(
        user_id=user.id,
        program=current_program().id,
        stage=stage.id,
        prompt=part.id,
        kind=kind,
        client_id=client_id,
        **fields,
    )


def _give_job_key(entry: Entry, key: bytes) -> None:
    """The data key, wrapped for this entry's transcription job (erased when it ends)."""
    entry.job_key = keys.wrap_for_job(key, entry.user_id, entry.id)


def _commit_new(
    user: User, entry: Entry, client_id: str, seal: Callable[[Entry], None]
) -> tuple[Entry, bool]:
    """Commit a new entry; when the client id was taken meanwhile, the existing one instead.

    The row is flushed first: its id is bound into what `seal` writes into it (the
    associated data), and the commit then holds both at once.
    """
    db.session.add(entry)
    try:
        db.session.flush()
        seal(entry)
        db.session.commit()
    except IntegrityError:  # the same client id, sent twice at once
        db.session.rollback()
        existing = by_client_id(user, client_id)
        if existing is None:
            raise
        return existing, False
    except BaseException:
        db.session.rollback()
        raise
    return entry, True


def correct_entry(entry: Entry, text: str) -> None:
    """Keep the person's correction (sealed); the machine transcript stays as it was, its
    word marks go (the correction is the person's own text)."""
    key = session_key(entry.owner)
    sealed.set_text(entry, key, "corrected", text)
    sealed.set_text(entry, key, sealed.WORDS_FIELD, None)
    entry.checked_at = utcnow()
    db.session.commit()


def confirm_entry(entry: Entry) -> None:
    """The person read the machine's transcript and it looks right; Conflict without one."""
    if entry.machine_transcript is None:
        raise Conflict("Only a transcribed answer can be confirmed.")
    if entry.checked_at is None:
        entry.checked_at = utcnow()
        entry.words_sealed = None  # checked: the unsure words' marks have done their work
        db.session.commit()


def delete_entry(entry: Entry) -> None:
    """Delete the recording and its playable copy, then the entry (and the stream it came
    from, with the text of its segments)."""
    store = recordings.store()
    db.session.refresh(entry)  # a copy the job attached since the entry was read
    store.delete(entry.recording_path)
    store.delete(entry.playable_path)
    db.session.execute(
        delete(AnswerStream).where(
            AnswerStream.user_id == entry.user_id, AnswerStream.client_id == entry.client_id
        )
    )
    db.session.delete(entry)
    db.session.commit()
    checkpoint_after_delete()


def retry_transcription(entry: Entry) -> None:
    """Send a failed spoken entry back to the queue with fresh attempts; Conflict otherwise."""
    if entry.kind != EntryKind.SPOKEN:
        raise Conflict("Only a spoken answer can be transcribed again.")
    result = db.session.execute(
        update(Entry)
        .where(Entry.id == entry.id, Entry.status == EntryStatus.FAILED)
        .values(
            status=EntryStatus.PENDING,
            attempts=0,
            error=None,
            started_at=None,
            job_key=keys.wrap_for_job(session_key(entry.owner), entry.user_id, entry.id),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.refresh(entry)
    sealed.open_entry(entry, session_key(entry.owner))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"Only a failed transcription can be retried; this one is {entry.status}.")
    queue.enqueue(entry.id)


def recording_file(entry: Entry) -> Path | None:
    """The entry's recording on disk, or None (no recording, or the file is missing)."""
    return recordings.store().find(entry.recording_path)
