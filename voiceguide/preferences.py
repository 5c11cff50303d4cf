"""A person's guided-session preferences (speed, hands-free, pause, shortcuts), kept on the
account so that they follow the person to another browser."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_login import current_user

from .errors import ApiError
from .extensions import db

bp = Blueprint("preferences", __name__, url_prefix="/api/preferences")

RATES = (0.75, 1, 1.25, 1.5)
PAUSES = (1.5, 2, 3, 5, 10, None)  # None: long answers, no stop on silence
# The one definition of the choices: the stage page's selects and its script both use it.
CHOICES = {"rates": list(RATES), "pauses": list(PAUSES)}


def _valid(name: str, value: object) -> bool:
    if name == "rate":
        return isinstance(value, int | float) and not isinstance(value, bool) and value in RATES
    if name == "pauseSeconds":
        return value is None or (
            isinstance(value, int | float) and not isinstance(value, bool) and value in PAUSES
        )
    return isinstance(value, bool)  # handsFree, shortcuts


FIELDS = ("rate", "handsFree", "pauseSeconds", "shortcuts")


def session_preferences(user) -> dict:
    """The stored session preferences (only known, valid fields)."""
    stored = (user.preferences or {}).get("session") or {}
    return {k: v for k, v in stored.items() if k in FIELDS and _valid(k, v)}


@bp.get("")
def show():
    """{"session": {...}}: what the person chose."""
    return jsonify(session=session_preferences(current_user))


@bp.put("")
def update():
    """Merge {"session": {...}} into the stored preferences; 400 on an unknown value."""
    body = request.get_json(silent=True)
    changes = body.get("session") if isinstance(body, dict) else None
    if not isinstance(changes, dict):
        raise ApiError(400, 'Send JSON like {"session": {"rate": 1.25}}.')
    for name, value in changes.items():
        if name not in FIELDS:
            raise ApiError(400, f"Unknown preference {name!r}.")
        if not _valid(name, value):
            raise ApiError(400, f"That is not a valid value for {name!r}.")
    merged = {**session_preferences(current_user), **changes}
    # A new dict, so that SQLAlchemy notices the change to the JSON column.
    current_user.preferences = {**(current_user.preferences or {}), "session": merged}
    db.session.commit()
    return jsonify(session=merged)
