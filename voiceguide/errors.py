"""The app's error tree: every refusal a person can meet has a stable machine `code`.

Operations raise these; the web layer chooses the HTTP status once, from the code
(`voiceguide.web.errors`). Nothing here knows about HTTP.
"""

from __future__ import annotations


class VoiceguideError(Exception):
    """An error with a sentence for a person and a stable machine code."""

    code = "bad_request"
    default_message = "The request was not understood."
    retry_after: int | None = None
    """Seconds after which the same request may work (sent as Retry-After), if it is a wait."""

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class BadRequest(VoiceguideError):
    """The request is missing something or holds a value that is not allowed."""


class InvalidText(BadRequest):
    """Text that is not proper Unicode (a lone surrogate) or holds a NUL character."""

    code = "invalid_text"
    default_message = "The text holds characters that are not valid text."


class QueryTooLong(BadRequest):
    """A search longer than any person types; it would only load the database."""

    code = "query_too_long"
    default_message = "The search is too long."


class JsonTooDeep(BadRequest):
    """A JSON body nested deeper than any request of ours needs."""

    code = "json_too_deep"
    default_message = "The JSON body is nested too deeply."


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


class Busy(VoiceguideError):
    """Too much work at once (decodes running); the same request works a moment later."""

    code = "busy"
    default_message = (
        "The server is busy with other recordings right now. Please try again in a few seconds."
    )
    retry_after = 5


class DatabaseBusy(VoiceguideError):
    """The database stayed locked longer than its timeout; nothing was changed."""

    code = "database_busy"
    default_message = (
        "The journal is busy right now; nothing was changed. Please try again in a few seconds."
    )
    retry_after = 5


class PdfUnavailable(VoiceguideError):
    """This server cannot make PDFs (WeasyPrint or the system's Pango is missing)."""

    code = "pdf_unavailable"
    default_message = (
        "This server cannot make a PDF right now. Download the HTML workbook instead: "
        "it prints the same, and your browser can save it as a PDF."
    )


class InsufficientStorage(VoiceguideError):
    """The disk is full: nothing was stored, nothing half-written is left."""

    code = "insufficient_storage"
    default_message = (
        "The server's storage is full, so this could not be saved there yet. "
        "Nothing was half-saved; please try again later."
    )


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


class ImplausibleAudio(UploadError):
    """The container declares audio no microphone produces (a decode bomb, not a recording)."""

    code = "implausible_audio"
    default_message = "The recording's format is not one a microphone produces."


class DecodeTimeout(UploadError):
    """Decoding took longer than the hard limit and was stopped."""

    code = "decode_timeout"
    default_message = "The recording took too long to decode."


class ChunkMismatch(Conflict):
    """A chunk number sent again with different bytes: the first one is kept."""

    code = "chunk_mismatch"
    default_message = (
        "A different piece of this recording was already saved under that number; "
        "it was kept and this one was not."
    )


class StreamClosed(Conflict):
    """A chunk or a finish for a streamed answer that has already been finished or timed out."""

    code = "stream_closed"
    default_message = "This recording has already been finished; nothing more can be added."


class ChunksMissing(Conflict):
    """A finish before every chunk it counts has arrived."""

    code = "chunks_missing"
    default_message = "Some pieces of the recording have not arrived yet."


class TooManyChunks(UploadError):
    """More chunks than any recording within the length limit is sent in."""

    code = "too_many_chunks"
    default_message = "The recording was sent in too many pieces."


class JournalDamaged(VoiceguideError):
    """A sealed text or recording failed its authentication: changed or moved outside the app.

    Never shown as garbage: the person is told, and the failure is logged.
    """

    code = "journal_damaged"
    default_message = (
        "Part of your journal could not be opened: it was changed or damaged outside this "
        "app. Nothing was shown in its place, and the problem has been logged."
    )


class JournalLocked(VoiceguideError):
    """The session holds no key to this journal (it began before encryption, or was cut)."""

    code = "sign_in_required"
    default_message = "Please sign in again to open your journal."
