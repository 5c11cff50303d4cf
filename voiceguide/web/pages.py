"""Pages for people: home, a stage, help, privacy."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, render_template
from flask_login import current_user

from ..accounts.preferences import CHOICES
from ..journal.entries import user_entries
from ..journal.progress import progress
from ..program import current_program
from .urls import stage_audio, text_audio_url

bp = Blueprint("pages", __name__)


@bp.app_context_processor
def _program_context() -> dict[str, Any]:
    return {"program": current_program()}


@bp.get("/")
def home() -> str:
    """The program, its stages, the self-help notice, and a signed-in person's progress."""
    if not current_user.is_authenticated:
        return render_template("home.html", steps=None, resume=None)
    steps = progress(user_entries(current_user), current_program())
    resume = next((s for s in steps if not s.complete), None)
    return render_template("home.html", steps=steps, resume=resume)


@bp.get("/stages/<stage_id>")
def stage(stage_id: str) -> str:
    """One stage's guided session."""
    program = current_program()
    found = program.stage(stage_id)
    if found is None:
        abort(404)
    index = program.index_of(stage_id)
    stages = program.stages
    step = None
    if current_user.is_authenticated:
        step = progress(user_entries(current_user, stage_id), program)[index]
    return render_template(
        "stage.html",
        stage=found,
        step=step,
        cues={name: text_audio_url(spoken) for name, spoken in program.cues.items()},
        audio=stage_audio(found.parts),
        previous=stages[index - 1] if index > 0 else None,
        next=stages[index + 1] if index + 1 < len(stages) else None,
        max_recording_seconds=current_app.config["MAX_RECORDING_SECONDS"],
        choices=CHOICES,
    )


@bp.get("/help")
def help_page() -> str:
    """Where to find help now."""
    return render_template("help.html")


@bp.get("/privacy")
def privacy() -> str:
    """What is stored, where, and who can read it."""
    return render_template("privacy.html")
