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
    json_limits,
    narration,
    pages,
    preferences,
    progress,
    recovery,
    security,
    streams,
    urls,
)


def init_app(app: Flask) -> None:
    """Install the security headers, the error handlers, the API's sign-in check and every
    blueprint."""
    security.init_app(app)
    errors.register(app)
    json_limits.init_app(app)
    # Before the blueprints, whose rules use it.
    app.url_map.converters["id"] = urls.RowIdConverter
    auth.init_app(app)
    for module in (
        pages,
        api,
        narration,
        commands,
        preferences,
        progress,
        auth,
        recovery,
        entries,
        streams,
        journal,
    ):
        app.register_blueprint(module.bp)
