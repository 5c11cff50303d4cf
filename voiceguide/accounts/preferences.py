"""A person's guided-session preferences (speed, hands-free, pauses, cues, shortcuts) and time
zone, kept on the account so that they follow the person to another browser."""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from ..errors import BadRequest
from ..extensions import db
from ..models import User

RATES = (0.75, 1, 1.25, 1.5)
PAUSES = (1.5, 2, 3, 5, 10, None)  # None: long answers, no stop on silence
GIVE_UPS = (30, 60, 120, 300, None)  # quiet before a silent answer turn pauses; None: never
CHOICES = {"rates": list(RATES), "pauses": list(PAUSES), "give_ups": list(GIVE_UPS)}
"""The speed, pause and give-up choices, handed to the stage template and its script."""
FIELDS = ("rate", "handsFree", "pauseSeconds", "giveUpSeconds", "spokenCue", "shortcuts")


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _valid(name: str, value: object) -> bool:
    if name == "rate":
        return _number(value) and value in RATES
    if name == "pauseSeconds":
        return value is None or (_number(value) and value in PAUSES)
    if name == "giveUpSeconds":
        return value is None or (_number(value) and value in GIVE_UPS)
    return isinstance(value, bool)  # handsFree, spokenCue, shortcuts


def session_preferences(user: User) -> dict[str, Any]:
    """The stored session preferences (only known, valid fields)."""
    stored = (user.preferences or {}).get("session") or {}
    return {k: v for k, v in stored.items() if k in FIELDS and _valid(k, v)}


def update_session_preferences(user: User, changes: object) -> dict[str, Any]:
    """Merge valid changes into the stored preferences; BadRequest on anything unknown."""
    if not isinstance(changes, dict):
        raise BadRequest('Send JSON like {"session": {"rate": 1.25}}.')
    for name, value in changes.items():
        if name not in FIELDS:
            raise BadRequest(f"Unknown preference {name!r}.")
        if not _valid(name, value):
            raise BadRequest(f"That is not a valid value for {name!r}.")
    merged = {**session_preferences(user), **changes}
    # A new dict, so that SQLAlchemy notices the change to the JSON column.
    user.preferences = {**(user.preferences or {}), "session": merged}
    db.session.commit()
    return merged


def time_zone(user: User) -> str:
    """The person's time zone (an IANA name their browser reported), UTC until one has."""
    name = (user.preferences or {}).get("timeZone")
    return name if isinstance(name, str) and name in _zones() else "UTC"


def update_time_zone(user: User, name: object) -> str:
    """Keep the browser's time zone for times rendered on the server (exports)."""
    if not isinstance(name, str) or name not in _zones():
        raise BadRequest("That is not a time zone name like 'Europe/Paris'.")
    user.preferences = {**(user.preferences or {}), "timeZone": name}
    db.session.commit()
    return name


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) | {"UTC"}


def zone_of(user: User) -> zoneinfo.ZoneInfo:
    """The person's time zone, ready for datetime.astimezone."""
    return zoneinfo.ZoneInfo(time_zone(user))
