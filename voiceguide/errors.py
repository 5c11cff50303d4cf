"""The app's error tree: every refusal a person can meet has a stable machine `code`.

Operations raise these; the web layer chooses the HTTP status once, from the code
(`voiceguide.web.errors`). Nothing here knows about HTTP.
"""

from __future__ import annotations


class VoiceguideError(Exception):
    """An error with a sentence for a person and a stable machine code."""

    code = "bad_request"
    default_message = "The request was not understood."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class BadRequest(VoiceguideError):
    """The request is missing something or holds a value that is not allowed."""


class NotFound(VoiceguideError):
    """Not there, or not the asker's: both look the same from outside."""

    code = "not_found"
    default_message = "That was not found."


class Conflict(VoiceguideError):
    """The request does not fit the thing's current state."""

    code = "conflict"
    default_message = "That cannot be done right now."


class QuotaExceeded(VoiceguideError):
    """The person's recordings already fill their storage quota."""

    code = "quota_exceeded"
    default_message = "Your journal is full."


class UploadError(VoiceguideError):
    """An uploaded recording was refused; nothing of it is kept."""


class EmptyRecording(UploadError):
    """The upload held no bytes."""

    code = "empty_recording"
    default_message = "The recording is empty."


class TooLarge(UploadError):
    """More bytes than the limit (refused while reading)."""

    code = "too_large"
    default_message = "The upload is too large."


class UnsupportedFormat(UploadError):
    """The first bytes name no audio container we accept."""

    code = "unsupported_format"
    default_message = "That file is not a supported audio format."


class Undecodable(UploadError):
    """The container is known but the audio inside would not decode."""

    code = "undecodable"
    default_message = "The recording could not be decoded as audio."


class TooLong(UploadError):
    """The audio decodes but lasts longer than allowed."""

    code = "too_long"
    default_message = "The recording is too long."
