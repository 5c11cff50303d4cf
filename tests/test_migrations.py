"""Migrations: upgrade from empty and downgrade back run clean, and match the models."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from voiceguide.extensions import db


def db_dialect(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


def tables(app) -> set[str]:
    """The tables in the app's database."""
    with app.app_context():
        db.engine.dispose()  # see what the CLI wrote, not a stale connection
        return set(inspect(db.engine).get_table_names())


def test_upgrade_from_empty_then_downgrade_to_base(make_app):
    app = make_app(migrate=False)
    runner = app.test_cli_runner()
    assert tables(app) <= {"alembic_version"}

    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert {"users", "entries", "alembic_version"} <= tables(app)

    result = runner.invoke(args=["db", "downgrade", "base"])
    assert result.exit_code == 0, result.output
    assert tables(app) <= {"alembic_version"}

    result = runner.invoke(args=["db", "upgrade"])  # and up again, from the bottom
    assert result.exit_code == 0, result.output
    assert {"users", "entries"} <= tables(app)


def test_migrations_match_the_models(app):
    """A model changed without a migration shows up here (run `flask db migrate`)."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"render_as_batch": True})
        assert compare_metadata(context, db.metadata) == []


def test_sqlite_database_uses_wal_and_foreign_keys(app):
    if db_dialect(app) != "sqlite":
        pytest.skip("about the SQLite file; this run is on another database")
    path = Path(app.config["DATA_DIR"]) / "voiceguide.sqlite"
    assert path.exists()
    with app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        # Freed pages are zeroed: deleted words do not linger in free space.
        assert connection.execute(text("PRAGMA secure_delete")).scalar() == 1
    # WAL is a property of the file: a plain connection sees it too.
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_deleting_a_user_deletes_their_entries_in_the_database(app):
    """The foreign key cascades, even for rows the ORM never loaded."""
    with app.app_context():
        db.session.execute(
            text("INSERT INTO users (username, password_hash, storage_key, preferences, "
                 "created_at) VALUES ('x', 'h', 'k', '{}', '2024-01-01')")
        )  # fmt: skip
        db.session.execute(
            text("INSERT INTO entries (user_id, program, stage, prompt, kind, client_id, "
                 "created_at, status, attempts) VALUES (1, 'p', 's', 'q', 'typed', 'c', "
                 "'2024-01-01', 'done', 0)")
        )  # fmt: skip
        db.session.execute(text("DELETE FROM users"))
        db.session.commit()
        assert db.session.execute(text("SELECT count(*) FROM entries")).scalar() == 0


def test_sessions_migration_keeps_entries_and_gives_every_person_a_storage_key(make_app):
    """Rebuilding `users` for AUTOINCREMENT must not cascade-delete anyone's journal."""
    app = make_app(migrate=False)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "15e8d43740df"]).exit_code == 0
    with app.app_context():
        db.engine.dispose()
        with db.engine.begin() as connection:
            for name in ("x", "y"):
                connection.execute(
                    text("INSERT INTO users (username, password_hash, session_version, "
                         "preferences, created_at) VALUES (:n, 'h', 1, '{}', '2024-01-01')"),
                    {"n": name},
                )  # fmt: skip
            connection.execute(
                text("INSERT INTO entries (user_id, program, stage, prompt, kind, client_id, "
                     "created_at, status, attempts) VALUES (1, 'p', 's', 'q', 'typed', 'c', "
                     "'2024-01-01', 'done', 0)")
            )  # fmt: skip
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.engine.dispose()
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM entries")).scalar() == 1
            keys = connection.execute(text("SELECT storage_key FROM users")).scalars().all()
            assert len(keys) == 2 and len(set(keys)) == 2 and all(len(k) == 32 for k in keys)
            if connection.dialect.name == "sqlite":  # PostgreSQL's sequences never reuse ids
                assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
                sql = connection.execute(
                    text("SELECT sql FROM sqlite_master WHERE name IN ('users', 'entries')")
                ).scalars()
                assert all("AUTOINCREMENT" in s for s in sql)
    result = runner.invoke(args=["db", "downgrade", "15e8d43740df"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.engine.dispose()
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM entries")).scalar() == 1


def test_checked_migration_counts_corrected_entries_as_checked(make_app):
    app = make_app(migrate=False)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "9e4a1c7b2d58"]).exit_code == 0
    with app.app_context():
        db.engine.dispose()
        with db.engine.begin() as connection:
            connection.execute(
                text("INSERT INTO users (username, password_hash, storage_key, preferences, "
                     "created_at) VALUES ('x', 'h', 'k', '{}', '2024-01-01')")
            )  # fmt: skip
            for client, corrected in (("a", b"sealed"), ("b", None)):
                connection.execute(
                    text("INSERT INTO entries (user_id, program, stage, prompt, kind, "
                         "client_id, created_at, status, attempts, corrected_sealed) VALUES "
                         "(1, 'p', 's', 'q', 'spoken', :c, '2024-01-01', 'done', 0, :s)"),
                    {"c": client, "s": corrected},
                )  # fmt: skip
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.engine.dispose()
        with db.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT client_id, checked_at IS NOT NULL FROM entries ORDER BY client_id")
            ).all()
    assert [tuple(r) for r in rows] == [("a", True), ("b", False)]
