"""voiceguide: a voice-guided self-help program with a private spoken journal."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from . import config


def create_app(test_config: dict | None = None) -> Flask:
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

    from . import errors, extensions, narration, program
    from .speech import registry

    registry.validate(app)
    app.extensions["voiceguide.program"] = program.load_program(app.config["PROGRAM_FILE"])

    extensions.db.init_app(app)
    extensions.migrate.init_app(
        app, extensions.db, directory=str(Path(__file__).parent / "migrations")
    )
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)
    narration.init_app(app)
    errors.register(app)

    from . import (
        api,
        auth,
        cli,
        commands,
        entries,
        jobs,
        journal,
        pages,
        preferences,
        transcription,
    )

    auth.init_app(app)
    blueprints = (pages, api, narration, commands, preferences, auth, entries, journal)
    for module in (*blueprints, transcription):
        app.register_blueprint(module.bp)
    cli.register(app)
    jobs.init_app(app)
    return app
