"""The security event log: sign-ins, failures, sign-outs, password changes, deletions and
limits reached, each with the account id and the client address, never any content (no
names typed, no passwords, no answers, no search words).

Written to `SECURITY_LOG` (default DATA_DIR/security.log, mode 0600) and to the
`voiceguide.security` logger, so an operator can also route it elsewhere.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, has_request_context, request

from .config import private_file

logger = logging.getLogger("voiceguide.security")
EVENTS = frozenset(
    {
        "sign_in",
        "sign_in_failed",
        "sign_out",
        "register",
        "password_changed",
        "password_check_failed",
        "account_deleted",
        "recovered",
        "recovery_failed",
        "limit_reached",
    }
)


class _OwnFileHandler(logging.FileHandler):
    """Marks the handler this module installed, so a second app replaces it (tests)."""


def init_app(app: Flask) -> None:
    """Send security events to the app's log file (created 0600)."""
    path = Path(app.config.get("SECURITY_LOG") or Path(app.config["DATA_DIR"]) / "security.log")
    private_file(path)
    for handler in [h for h in logger.handlers if isinstance(h, _OwnFileHandler)]:
        logger.removeHandler(handler)
        handler.close()
    handler = _OwnFileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def record(event: str, account_id: int | None = None, **detail: str | int) -> None:
    """Log one security event: `event=... account=... address=...` and plain details."""
    if event not in EVENTS:
        raise ValueError(f"unknown security event {event!r}")
    address = (request.remote_addr or "-") if has_request_context() else "-"
    extra = "".join(f" {key}={value}" for key, value in sorted(detail.items()))
    logger.info("event=%s account=%s address=%s%s", event, account_id or "-", address, extra)
