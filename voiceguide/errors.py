"""One place that turns errors into responses: JSON under /api/, friendly pages elsewhere."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .speech.base import AudioDecodeError, EngineUnavailableError, SpeechError

# Sentences for people, by status, when the raised error carries none of its own.
MESSAGES = {
    400: "The request was not understood.",
    401: "Please sign in first.",
    403: "You are not allowed to do that.",
    404: "That was not found.",
    405: "That action is not allowed here.",
    413: "The upload is too large.",
    415: "That file is not a supported audio format.",
    422: "The recording could not be processed.",
    429: "Too many attempts. Please wait a moment and try again.",
    500: "Something went wrong on our side.",
    503: "A service needed for this is unavailable right now. Please try again later.",
}


# Stable machine codes, by status, for clients to decide by (never by the sentence).
CODES = {
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
    500: "server_error",
    503: "engine_unavailable",
}


class ApiError(Exception):
    """An error with a status and a sentence for a person."""

    def __init__(self, status: int, message: str | None = None):
        super().__init__(message or MESSAGES.get(status, "Error."))
        self.status = status
        self.message = message or MESSAGES.get(status, "Error.")


def wants_json() -> bool:
    """API routes and narration audio answer in JSON; pages answer with HTML."""
    return request.path.startswith(("/api/", "/narration/", "/healthz"))


def error_response(status: int, message: str | None = None, code: str | None = None):
    """The single error response: JSON for the API, an HTML page for people."""
    message = message or MESSAGES.get(status, "Error.")
    if wants_json():
        code = code or CODES.get(status, "server_error" if status >= 500 else "bad_request")
        return jsonify(error=message, code=code), status
    return render_template("error.html", status=status, message=message), status


def register(app: Flask) -> None:
    """Install the error handlers."""

    @app.errorhandler(ApiError)
    def _api_error(e: ApiError):
        return error_response(e.status, e.message)

    @app.errorhandler(CSRFError)
    def _csrf(e: CSRFError):
        return error_response(
            400,
            "The form expired or was sent without its security token. "
            "Please reload the page and try again.",
            code="csrf_expired",
        )

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException):
        message = None
        if e.code == 413:
            limit = app.config["MAX_UPLOAD_MB"]
            message = f"The upload is too large; the limit is {limit:g} MB."
        elif e.code == 429:
            message = "Too many attempts. Please wait a minute and try again."
        return error_response(e.code or 500, message)

    @app.errorhandler(EngineUnavailableError)
    def _unavailable(e: EngineUnavailableError):
        return error_response(503, str(e) or None)

    @app.errorhandler(AudioDecodeError)
    def _undecodable(e: AudioDecodeError):
        return error_response(422, str(e))

    @app.errorhandler(SpeechError)
    def _speech(e: SpeechError):
        app.logger.error("speech engine error: %s", e)
        return error_response(503, "The speech engine failed. Please try again later.")
