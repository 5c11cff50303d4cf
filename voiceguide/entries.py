"""The journal entry API: create typed (or spoken) entries, list, search, correct, delete."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from flask import Blueprint, current_app, jsonify, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import safe_join

from . import recordings
from .errors import ApiError
from .extensions import db
from .forms import MAX_TEXT
from .models import Entry, User
from .narration import program
from .program import Part, Stage

bp = Blueprint("entries", __name__, url_prefix="/api/entries")

MAX_QUERY_WORDS = 20


def iso_utc(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z; SQLite hands datetimes back naive, and they are UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def entry_json(entry: Entry) -> dict:
    """The contract's <entry>, plus kind, machine transcript, and the stage and prompt texts."""
    stage = program().stage(entry.stage)
    part = stage.part(entry.prompt) if stage else None
    return {
        "id": entry.id,
        "stage": entry.stage,
        "prompt": entry.prompt,
        "status": entry.status,
        "transcript": entry.transcript,
        "error": entry.error,
        "created_at": iso_utc(entry.created_at),
        "duration_s": entry.duration_s,
        "audio_url": url_for("entries.audio", entry_id=entry.id) if entry.recording_path else None,
        "kind": entry.kind,
        "machine_transcript": entry.machine_transcript,
        "stage_title": stage.title if stage else None,
        "prompt_text": part.text if part else None,
    }


def owned_entry(entry_id: int, user: User | None = None) -> Entry:
    """The signed-in person's entry with this id; anyone else's is a 404, like a missing one."""
    user = user or current_user
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.user_id != user.id:
        raise ApiError(404, "There is no such entry in your journal.")
    return entry


def user_entries(
    user: User, stage: str | None = None, query: str | None = None, newest_first: bool = True
) -> list[Entry]:
    """A person's entries, optionally of one stage and matching every word of a search."""
    order = (
        (Entry.created_at.desc(), Entry.id.desc()) if newest_first else (Entry.created_at, Entry.id)
    )
    stmt = select(Entry).where(Entry.user_id == user.id).order_by(*order)
    if stage:
        stmt = stmt.where(Entry.stage == stage)
    for word in (query or "").split()[:MAX_QUERY_WORDS]:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                Entry.corrected_transcript.ilike(pattern, escape="\\"),
                Entry.machine_transcript.ilike(pattern, escape="\\"),
            )
        )
    return list(db.session.scalars(stmt))


def parse_client_id(raw: str | None) -> str:
    """The client's UUID in canonical form; 400 when missing or not a UUID."""
    try:
        return str(uuid.UUID((raw or "").strip()))
    except ValueError:
        raise ApiError(400, "client_id must be a UUID made by the client.") from None


def find_prompt(stage_id: str | None, prompt_id: str | None) -> tuple[Stage, Part]:
    """The stage and its prompt part; 404 when either is unknown or the part is no prompt."""
    stage = program().stage(stage_id or "")
    if stage is None:
        raise ApiError(404, "There is no such stage.")
    part = stage.part(prompt_id or "")
    if part is None or part.kind != "prompt":
        raise ApiError(404, "That stage has no such question.")
    return stage, part


def clean_text(raw: object, what: str = "answer") -> str:
    """Typed text, trimmed; 400 when it is not text, empty or too long."""
    if not isinstance(raw, str) or not raw.strip():
        raise ApiError(400, f"The {what} is empty.")
    text = raw.strip()
    if len(text) > MAX_TEXT:
        raise ApiError(400, f"The {what} is too long; the limit is {MAX_TEXT:,} characters.")
    return text


def by_client_id(user: User, client_id: str) -> Entry | None:
    """The entry this person already made with this client id, if any."""
    return db.session.scalar(
        select(Entry).where(Entry.user_id == user.id, Entry.client_id == client_id)
    )


def create_typed_entry(
    user: User, stage: Stage, part: Part, client_id: str, text: str
) -> tuple[Entry, bool]:
    """Save a typed answer; (entry, True), or (the existing entry, False) for a known client id."""
    existing = by_client_id(user, client_id)
    if existing is not None:
        return existing, False
    entry = Entry(
        user_id=user.id,
        program=program().id,
        stage=stage.id,
        prompt=part.id,
        kind="typed",
        client_id=client_id,
        corrected_transcript=text,
        status="done",
    )
    db.session.add(entry)
    try:
        db.session.commit()
    except IntegrityError:  # the same client id, sent twice at once
        db.session.rollback()
        existing = by_client_id(user, client_id)
        if existing is None:
            raise
        return existing, False
    return entry, True


def correct_entry(entry: Entry, text: str) -> None:
    """Keep the person's correction; the machine transcript stays as it was."""
    entry.corrected_transcript = text
    db.session.commit()


def delete_entry(entry: Entry) -> None:
    """Delete the recording file, then the entry."""
    recordings.delete_recording(entry)
    db.session.delete(entry)
    db.session.commit()


def recording_file(entry: Entry) -> Path | None:
    """The entry's recording on disk, or None (no recording, or the file is missing)."""
    if not entry.recording_path:
        return None
    joined = safe_join(current_app.config["RECORDINGS_DIR"], entry.recording_path)
    if joined is None or not Path(joined).is_file():
        return None
    return Path(joined)


def _json(entry: Entry, status: int):
    response = jsonify(entry_json(entry))
    response.status_code = status
    response.headers["Location"] = url_for("entries.one", entry_id=entry.id)
    return response


@bp.post("")
def create():
    """A typed answer (`text`, 201) or a recording (`audio`, 202); a known client_id, 200."""
    user = current_user._get_current_object()
    client_id = parse_client_id(request.form.get("client_id"))
    existing = by_client_id(user, client_id)
    if existing is not None:
        return _json(existing, 200)
    stage, part = find_prompt(request.form.get("stage"), request.form.get("prompt"))
    upload = request.files.get("audio")
    text = request.form.get("text")
    if upload is not None and text is not None:
        raise ApiError(400, "Send either a recording (audio) or a typed answer (text), not both.")
    if upload is not None:
        try:
            entry = recordings.create_spoken_entry(user, stage.id, part.id, client_id, upload)
        except IntegrityError:  # the same client id, uploaded twice at once
            db.session.rollback()
            existing = by_client_id(user, client_id)
            if existing is None:
                raise
            return _json(existing, 200)
        return _json(entry, 202)
    if text is None:
        raise ApiError(400, "Send a recording (audio) or a typed answer (text).")
    entry, created = create_typed_entry(user, stage, part, client_id, clean_text(text))
    return _json(entry, 201 if created else 200)


@bp.get("")
def list_entries():
    """The person's entries, newest first; `?stage=` and `?q=` narrow them."""
    entries = user_entries(current_user, request.args.get("stage"), request.args.get("q"))
    return jsonify(entries=[entry_json(e) for e in entries])


@bp.get("/<int:entry_id>")
def one(entry_id: int):
    """One entry."""
    return jsonify(entry_json(owned_entry(entry_id)))


@bp.patch("/<int:entry_id>")
def correct(entry_id: int):
    """JSON {"transcript": "..."}: the person's correction."""
    entry = owned_entry(entry_id)
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or "transcript" not in data:
        raise ApiError(400, 'Send JSON like {"transcript": "the corrected text"}.')
    correct_entry(entry, clean_text(data["transcript"], "transcript"))
    return jsonify(entry_json(entry))


@bp.delete("/<int:entry_id>")
def delete(entry_id: int):
    """Delete the entry and its recording."""
    delete_entry(owned_entry(entry_id))
    return "", 204


@bp.get("/<int:entry_id>/audio")
def audio(entry_id: int):
    """The entry's recording, to its owner only; Range requests work."""
    entry = owned_entry(entry_id)
    path = recording_file(entry)
    if path is None:
        raise ApiError(404, "This entry has no recording.")
    response = send_file(
        path, mimetype=entry.recording_mimetype or "application/octet-stream", conditional=True
    )
    response.cache_control.private = True
    response.cache_control.public = False
    response.cache_control.no_cache = True
    return response
