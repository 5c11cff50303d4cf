"""JSON API: the program and the health check. (Journal entries live in entries.py.)"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from ..program import Part, current_program
from .urls import audio_url, text_audio_url

bp = Blueprint("api", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """Liveness, and which engines are configured."""
    return jsonify(
        status="ok", tts=current_app.config["TTS_ENGINE"], stt=current_app.config["STT_ENGINE"]
    )


@bp.get("/api/program")
def program_json() -> Response:
    """The program with every part's text and narration URL."""
    prog = current_program()
    return jsonify(
        id=prog.id,
        title=prog.title,
        stages=[
            {
                "id": stage.id,
                "title": stage.title,
                "minutes": stage.minutes,
                "parts": [_part(p) for p in stage.parts],
            }
            for stage in prog.stages
        ],
    )


def _part(part: Part) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": part.id,
        "kind": part.kind,
        "text": part.text,
        "audio_url": audio_url(part),
    }
    if part.unanswered and part.unanswered_spoken:
        found["unanswered"] = {
            "text": part.unanswered,
            "audio_url": text_audio_url(part.unanswered_spoken),
        }
    return found
