"""The web layer: blueprints only. A route parses the request, calls one operation and
shapes the response; nothing outside this package imports it."""

from __future__ import annotations

from flask import Flask

from . import (
    api,
    auth,
    commands,
    entries,
    errors,
    journal,
    narration,
    pages,
    preferences,
    progress,
)


def init_app(app: Flask) -> None:
    """Install the error handlers, the API's sign-in check and every blueprint."""
    errors.register(app)
    auth.init_app(app)
    for module in (
        pages,
        api,
        narration,
        commands,
        preferences,
        progress,
        auth,
        entries,
        journal,
    ):
        app.register_blueprint(module.bp)
