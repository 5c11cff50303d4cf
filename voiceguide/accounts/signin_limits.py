"""Sign-in that an attacker cannot shut: failures slow an account down, never lock it.

Refusals (429) are per address and per (account, address), in the web layer. Here is the
account-wide part: when many failures reach one account from anywhere (many addresses),
every attempt on it waits `LOGIN_SLOWDOWN_SECONDS` first. The owner still signs in, a second
later; an attacker spread over many addresses gets a guess per wait per request slot.

The counter lives in Flask-Limiter's storage (memory, or Redis when configured), so every
web process sees the same count.
"""

from __future__ import annotations

import time

from flask import current_app
from limits import parse

from ..extensions import limiter

# A counter over a window, not a limit: its amount is only there to read the count back.
_FAILURES = parse("1000000 per 15 minutes")
_SCOPE = "sign-in-failures"


def failures(username: str) -> int:
    """Failed sign-ins on this account name in the last window, from every address."""
    if not limiter.enabled:  # RATELIMIT_ENABLED off: no storage, nothing counted
        return 0
    stats = limiter.limiter.get_window_stats(_FAILURES, _SCOPE, username)
    return _FAILURES.amount - stats.remaining


def count_failure(username: str) -> None:
    """One more failed sign-in on this name."""
    if limiter.enabled:
        limiter.limiter.hit(_FAILURES, _SCOPE, username)


def slow_down_if_attacked(username: str) -> float:
    """Wait before checking a password for an account under attack; the seconds waited."""
    config = current_app.config
    if failures(username) < config["LOGIN_SLOWDOWN_AFTER"]:
        return 0.0
    wait = config["LOGIN_SLOWDOWN_SECONDS"]
    time.sleep(wait)
    return wait
