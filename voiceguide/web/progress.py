"""A person's progress through the program, as JSON: the one meaning of "complete"."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from flask_login import current_user

from ..journal.entries import user_entries
from ..journal.progress import progress
from ..program import current_program

bp = Blueprint("progress", __name__)


@bp.get("/api/progress")
def show() -> Response:
    """Per stage: the questions answered, the ones missing, and whether it is complete."""
    steps = progress(user_entries(current_user), current_program())
    return jsonify(
        stages=[step.as_json() for step in steps],
        completed=sum(step.complete for step in steps),
        total=len(steps),
    )
