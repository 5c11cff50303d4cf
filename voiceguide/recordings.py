"""Durable storage of uploaded recordings (being written: see issue 4)."""

from __future__ import annotations

from werkzeug.datastructures import FileStorage

from .errors import ApiError


def create_spoken_entry(user, stage_id: str, prompt_id: str, client_id: str, upload: FileStorage):
    """Store the recording durably, commit a pending Entry, queue its transcription; return it.

    Raises ApiError (400/413/415/422) for bad uploads, leaving no file and no row.
    """
    raise ApiError(503, "Spoken answers are not available yet.")


def delete_recording(entry) -> None:
    """Remove an entry's recording file, if it has one."""
