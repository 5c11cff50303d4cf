"""voiceguide: a voice-guided self-help program with a private spoken journal."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from . import config


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py, then VOICEGUIDE_* variables.

    `test_config`, when given, replaces the file and environment layers (tests).
    """
    instance_path = os.environ.get("VOICEGUIDE_DATA_DIR") or None
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
        instance_relative_config=True,
    )
    app.config.from_mapping(config.defaults(app.instance_path))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_mapping(config.from_environment())
    else:
        app.config.from_mapping(test_config)
    config.finish(app)

    from . import cli, extensions, narration, program, quiet_logs, security_log, uploads, web
    from .accounts import sessions
    from .jobs import backends
    from .journal import recordings
    from .speech import registry

    app.logger.setLevel(app.config["LOG_LEVEL"])
    registry.validate(app)
    program.init_app(app)
    extensions.init_app(app)
    security_log.init_app(app)
    quiet_logs.install()
    sessions.init_app(app)
    uploads.init_app(app)
    recordings.init_app(app)
    narration.init_app(app)
    web.init_app(app)
    cli.register(app)
    backends.init_app(app)
    return app
