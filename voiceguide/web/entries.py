"""The journal entry API: create typed or spoken entries, list, search, correct, delete, retry."""

from __future__ import annotations

import io

from flask import Blueprint, Response, jsonify, request
from flask_login import current_user
from werkzeug.wsgi import wrap_file

from ..errors import BadRequest, NotFound
from ..journal import entries as journal
from ..journal import readback
from ..journal.playable import open_playing
from ..models import Entry
from .limits import ANSWERS, READBACKS, RETRIES, per_account
from .shapes import entry_json, entry_response

bp = Blueprint("entries", __name__, url_prefix="/api/entries")


def _owned(entry_id: int) -> Entry:
    return journal.owned_entry(current_user, entry_id)


@bp.post("")
@per_account("UPLOAD_RATE_LIMIT", ANSWERS, scope="answers")
def create() -> Response:
    """A typed answer (`text`, 201) or a recording (`audio`, 202); a known client_id, 200."""
    user = current_user._get_current_object()
    client_id = journal.parse_client_id(request.form.get("client_id"))
    existing = journal.by_client_id(user, client_id)
    if existing is not None:
        return entry_response(existing, 200)
    stage, part = journal.find_prompt(request.form.get("stage"), request.form.get("prompt"))
    upload = request.files.get("audio")
    text = request.form.get("text")
    if upload is not None and text is not None:
        raise BadRequest("Send either a recording (audio) or a typed answer (text), not both.")
    if upload is not None:
        entry, created = journal.create_spoken_entry(user, stage, part, client_id, upload.stream)
        return entry_response(entry, 202 if created else 200)
    if text is None:
        raise BadRequest("Send a recording (audio) or a typed answer (text).")
    entry, created = journal.create_typed_entry(
        user, stage, part, client_id, journal.clean_text(text)
    )
    return entry_response(entry, 201 if created else 200)


@bp.get("")
def list_entries() -> Response:
    """The person's entries, newest first; `?stage=`, `?prompt=` and `?q=` narrow them."""
    found = journal.user_entries(
        current_user,
        request.args.get("stage"),
        request.args.get("q"),
        prompt=request.args.get("prompt"),
    )
    return jsonify(entries=[entry_json(e) for e in found])


@bp.get("/<id:entry_id>")
def one(entry_id: int) -> Response:
    """One entry."""
    return jsonify(entry_json(_owned(entry_id)))


@bp.patch("/<id:entry_id>")
def correct(entry_id: int) -> Response:
    """JSON {"transcript": "..."}: the person's correction."""
    entry = _owned(entry_id)
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or "transcript" not in data:
        raise BadRequest('Send JSON like {"transcript": "the corrected text"}.')
    journal.correct_entry(entry, journal.clean_text(data["transcript"], "transcript"))
    return jsonify(entry_json(entry))


@bp.post("/<id:entry_id>/confirm")
def confirm(entry_id: int) -> Response:
    """The machine's transcript looks right to the person: 200 with the entry, now checked."""
    entry = _owned(entry_id)
    journal.confirm_entry(entry)
    return jsonify(entry_json(entry))


@bp.delete("/<id:entry_id>")
def delete(entry_id: int) -> tuple[str, int]:
    """Delete the entry and its recording."""
    journal.delete_entry(_owned(entry_id))
    return "", 204


@bp.post("/<id:entry_id>/retry")
@per_account("RETRY_RATE_LIMIT", RETRIES)
def retry(entry_id: int) -> tuple[Response, int]:
    """Transcribe a failed entry again: 202 with the entry, now pending."""
    entry = _owned(entry_id)
    journal.retry_transcription(entry)
    return jsonify(entry_json(entry)), 202


@bp.get("/<id:entry_id>/audio")
def audio(entry_id: int) -> Response:
    """The entry's recording as the journal plays it (its playable copy once made, else
    the original), to its owner only, decrypted as it is sent; Range works."""
    playing = open_playing(_owned(entry_id))
    if playing is None:
        raise NotFound("This entry has no recording.")
    recording = io.BufferedReader(playing[0], buffer_size=64 * 1024)  # one sealed chunk
    length = recording.seek(0, 2)
    recording.seek(0)
    response = Response(
        wrap_file(request.environ, recording), mimetype=playing[1], direct_passthrough=True
    )
    # Werkzeug answers Range by seeking the reader: only the chunks asked for are decrypted.
    response.make_conditional(request, accept_ranges=True, complete_length=length)
    # The first chunk sent is opened now, so that a damaged file is a clear error before
    # the status goes out (later chunks are checked as they stream: a damaged one cuts
    # the response short, never sends garbage).
    start = response.content_range.start if response.status_code == 206 else 0
    recording.seek(start or 0)
    recording.read(1)
    recording.seek(start or 0)
    return response  # never cached: see web.security


@bp.get("/<id:entry_id>/speech")
@per_account("READBACK_RATE_LIMIT", READBACKS)
def speech(entry_id: int) -> Response:
    """The answer read aloud by the narration voice, streamed as it is made; never cached.
    `?part=first` is its first short phrase (fetched ahead by the page), `?part=rest` the
    rest."""
    part = request.args.get("part", "all")
    if part not in readback.PARTS:
        raise BadRequest("part must be first, rest or left out.")
    chunks = readback.read_back(current_user._get_current_object(), entry_id, part)
    response = Response(chunks, mimetype=readback.MIMETYPE)
    response.headers["Cache-Control"] = "no-store"
    return response
