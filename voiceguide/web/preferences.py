"""GET/PUT /api/preferences: the person's guided-session preferences."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from flask_login import current_user

from ..accounts.preferences import (
    session_preferences,
    time_zone,
    update_session_preferences,
    update_time_zone,
)
from ..errors import BadRequest

bp = Blueprint("preferences", __name__, url_prefix="/api/preferences")


bp.add_app_template_global(time_zone, "user_time_zone")


@bp.get("")
def show() -> Response:
    """{"session": {...}, "timeZone": "..."}: what the person chose."""
    return jsonify(session=session_preferences(current_user), timeZone=time_zone(current_user))


@bp.put("")
def update() -> Response:
    """Merge {"session": {...}} and/or {"timeZone": "..."}; 400 on an unknown value."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not ({"session", "timeZone"} & body.keys()):
        raise BadRequest('Send JSON like {"session": {"rate": 1.25}} or {"timeZone": "UTC"}.')
    if "timeZone" in body:
        update_time_zone(current_user, body["timeZone"])
    if "session" in body:
        update_session_preferences(current_user, body["session"])
    return show()
