"""The JSON shapes the API answers with, shared by the blueprints that return entries."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, url_for

from ..journal import confidence
from ..models import Entry, isoformat
from ..program import current_program


def entry_json(entry: Entry) -> dict[str, Any]:
    """The contract's <entry>, plus kind, machine transcript, and the stage and prompt texts."""
    stage = current_program().stage(entry.stage)
    part = stage.part(entry.prompt) if stage else None
    return {
        "id": entry.id,
        "stage": entry.stage,
        "prompt": entry.prompt,
        "status": entry.status.value,
        "transcript": entry.transcript,
        "error": entry.error,
        "created_at": isoformat(entry.created_at),
        "duration_s": entry.duration_s,
        "audio_url": url_for("entries.audio", entry_id=entry.id) if entry.recording_path else None,
        "kind": entry.kind.value,
        "interrupted": entry.interrupted,
        "machine_transcript": entry.machine_transcript,
        "stage_title": stage.title if stage else None,
        "prompt_text": part.text if part else None,
        "checked": not entry.unchecked,
        "checked_at": isoformat(entry.checked_at),
        "playable": bool(entry.playable_path),
        # Character spans of `transcript` the recogniser was unsure of (underlined).
        "unsure": [list(span) for span in confidence.unsure(entry)],
    }


def entry_response(entry: Entry, status: int) -> Response:
    """The entry as JSON with this status and its Location."""
    response = jsonify(entry_json(entry))
    response.status_code = status
    response.headers["Location"] = url_for("entries.one", entry_id=entry.id)
    return response
