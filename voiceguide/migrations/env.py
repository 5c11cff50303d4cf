"""Alembic environment for Flask-Migrate: the app's engine and models, batch mode for SQLite."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from voiceguide import models  # noqa: F401  (registers the tables on the metadata)

config = context.config

# Log to stderr for `flask db ...`, but leave the logging of a running app or a test alone.
if config.config_file_name is not None and not current_app.testing:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")


def get_engine():
    """The engine of the app's Flask-SQLAlchemy instance."""
    return current_app.extensions["migrate"].db.engine


def get_engine_url() -> str:
    """The database URL, escaped for the ini parser."""
    return get_engine().url.render_as_string(hide_password=False).replace("%", "%%")


config.set_main_option("sqlalchemy.url", get_engine_url())
target_db = current_app.extensions["migrate"].db


def get_metadata():
    """The metadata the models are declared on."""
    if hasattr(target_db, "metadatas"):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline() -> None:
    """Emit SQL for the migrations without a connection (`flask db upgrade --sql`)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=get_metadata(),
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations against the app's database."""

    def process_revision_directives(context, revision, directives):
        # An autogenerate that finds no change writes no empty revision file.
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    # SQLite cannot ALTER most things in place: batch mode copies the table instead.
    conf_args.setdefault("render_as_batch", True)

    with get_engine().connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table by copying it and dropping the old one; with foreign
            # keys on, dropping `users` would cascade to every entry. (The pragma only takes
            # effect outside a transaction, hence the commit.)
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            context.configure(connection=connection, target_metadata=get_metadata(), **conf_args)
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if sqlite:
                connection.rollback()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
