"""Voice commands over HTTP: a short clip in, {"command", "transcript"} out; nothing stored."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from ..errors import BadRequest, TooLarge
from ..voice_commands import MAX_COMMAND_BYTES, TOO_LARGE, recognise_command
from .limits import COMMANDS, per_account

bp = Blueprint("commands", __name__)

# Room for the multipart envelope around the clip itself.
ENVELOPE_BYTES = 64 * 1024


@bp.post("/api/commands")
@per_account("COMMAND_RATE_LIMIT", COMMANDS)
def recognise() -> Response:
    """Transcribe a short recording without storing it: {"command", "transcript"}."""
    if (request.content_length or 0) > MAX_COMMAND_BYTES + ENVELOPE_BYTES:
        raise TooLarge(TOO_LARGE)
    upload = request.files.get("audio")
    if upload is None:
        raise BadRequest("Send the recording in the 'audio' field.")
    heard = recognise_command(upload.stream)
    return jsonify(command=heard.command, transcript=heard.transcript)
