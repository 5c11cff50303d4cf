"""One place that turns errors into responses: JSON under /api/, friendly pages elsewhere.

Every JSON error is {"error": "<sentence for a person>", "code": "<stable machine code>"};
clients decide by the code. The HTTP status is chosen here, once, from the code.
"""

from __future__ import annotations

import time

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from ..errors import VoiceguideError
from ..extensions import db, limiter
from ..resource_errors import translate
from ..speech.base import AudioDecodeError, EngineUnavailableError, SpeechError

STATUS_BY_CODE = {
    "bad_request": 400,
    "csrf_expired": 400,
    "empty_recording": 400,
    "invalid_text": 400,
    "query_too_long": 400,
    "json_too_deep": 400,
    "sign_in_required": 401,
    "forbidden": 403,
    "not_found": 404,
    "not_allowed": 405,
    "conflict": 409,
    "chunk_mismatch": 409,
    "stream_closed": 409,
    "chunks_missing": 409,
    "too_large": 413,
    "quota_exceeded": 413,
    "too_many_chunks": 413,
    "unsupported_format": 415,
    "undecodable": 422,
    "too_long": 422,
    "implausible_audio": 422,
    "decode_timeout": 422,
    "rate_limited": 429,
    "server_error": 500,
    "journal_damaged": 500,
    "engine_unavailable": 503,
    "busy": 503,
    "database_busy": 503,
    "pdf_unavailable": 503,
    "insufficient_storage": 507,
}
# The code of an error raised by Flask or Werkzeug itself, by its status.
CODE_BY_STATUS = {
    400: "bad_request",
    401: "sign_in_required",
    403: "forbidden",
    404: "not_found",
    405: "not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_format",
    422: "undecodable",
    429: "rate_limited",
    503: "engine_unavailable",
    507: "insufficient_storage",
}
# Sentences for people, by code, when the error carries none of its own.
MESSAGES = {
    "bad_request": "The request was not understood.",
    "csrf_expired": "The form expired or was sent without its security token. "
    "Please reload the page and try again.",
    "sign_in_required": "Please sign in first.",
    "forbidden": "You are not allowed to do that.",
    "not_found": "That was not found.",
    "not_allowed": "That action is not allowed here.",
    "too_large": "The upload is too large.",
    "unsupported_format": "That file is not a supported audio format.",
    "undecodable": "The recording could not be processed.",
    "rate_limited": "Too many attempts. Please wait a minute and try again.",
    "server_error": "Something went wrong on our side.",
    "engine_unavailable": "A service needed for this is unavailable right now. "
    "Please try again later.",
}


def wants_json() -> bool:
    """API routes and narration audio answer in JSON; pages answer with HTML."""
    return request.path.startswith(("/api/", "/narration/", "/healthz"))


def error_response(
    code: str, message: str | None = None, status: int | None = None, retry_after: int | None = None
) -> ResponseReturnValue:
    """The single error response: JSON for the API, an HTML page for people.

    The status follows from the code, unless Werkzeug already chose one (`status`);
    `retry_after` (seconds) tells clients when a wait is over.
    """
    status = status or STATUS_BY_CODE[code]
    message = message or MESSAGES.get(code, "Error.")
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    if wants_json():
        return jsonify(error=message, code=code), status, headers
    return render_template("error.html", status=status, message=message), status, headers


def register(app: Flask) -> None:
    """Install the error handlers."""

    @app.errorhandler(VoiceguideError)
    def _ours(e: VoiceguideError) -> ResponseReturnValue:
        return error_response(e.code, e.message, retry_after=e.retry_after)

    # A full disk or a database lock held past its timeout: our codes, not a bare 500.
    @app.errorhandler(OSError)
    @app.errorhandler(DBAPIError)
    def _resources(e: Exception) -> ResponseReturnValue:
        if isinstance(e, DBAPIError):
            db.session.rollback()
        ours = translate(e)
        if ours is None:
            raise e  # a real fault: Flask logs it and answers 500 as for any other
        app.logger.warning("%s: %s", ours.code, e)
        return error_response(ours.code, ours.message, retry_after=ours.retry_after)

    @app.errorhandler(CSRFError)
    def _csrf(e: CSRFError) -> ResponseReturnValue:
        return error_response("csrf_expired")

    @app.errorhandler(RateLimitExceeded)
    def _limited(e: RateLimitExceeded) -> ResponseReturnValue:
        # Each limit carries its own sentence (web.limits); the code is always rate_limited.
        window = limiter.current_limit
        wait = max(1, int(window.reset_at - time.time())) if window is not None else 60
        message = e.description if e.limit.error_message else None
        return error_response("rate_limited", message, retry_after=wait)

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException) -> ResponseReturnValue:
        message = None
        if e.code == 413:
            limit = app.config["MAX_UPLOAD_MB"]
            message = f"The upload is too large; the limit is {limit:g} MB."
        status = e.code or 500
        fallback = "server_error" if status >= 500 else "bad_request"
        return error_response(CODE_BY_STATUS.get(status, fallback), message, status)

    @app.errorhandler(EngineUnavailableError)
    def _unavailable(e: EngineUnavailableError) -> ResponseReturnValue:
        return error_response("engine_unavailable", str(e) or None)

    @app.errorhandler(AudioDecodeError)
    def _undecodable(e: AudioDecodeError) -> ResponseReturnValue:
        return error_response("undecodable", str(e))

    @app.errorhandler(SpeechError)
    def _speech(e: SpeechError) -> ResponseReturnValue:
        app.logger.error("speech engine error: %s", e)
        return error_response(
            "engine_unavailable", "The speech engine failed. Please try again later."
        )
