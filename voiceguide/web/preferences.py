"""GET/PUT /api/preferences: the person's guided-session preferences."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from flask_login import current_user

from ..accounts.preferences import session_preferences, update_session_preferences

bp = Blueprint("preferences", __name__, url_prefix="/api/preferences")


@bp.get("")
def show() -> Response:
    """{"session": {...}}: what the person chose."""
    return jsonify(session=session_preferences(current_user))


@bp.put("")
def update() -> Response:
    """Merge {"session": {...}} into the stored preferences; 400 on an unknown value."""
    body = request.get_json(silent=True)
    changes = body.get("session") if isinstance(body, dict) else None
    return jsonify(session=update_session_preferences(current_user, changes))
