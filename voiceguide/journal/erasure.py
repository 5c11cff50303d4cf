"""Making deleted words really gone from the database files.

With `secure_delete` on (see models.py), SQLite overwrites freed pages with zeros; but in WAL
mode a deleted row's old page can still sit in the write-ahead log until a checkpoint copies
the log back and truncates it. So every deletion of a person's words ends with one.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import text

from ..extensions import db


def checkpoint_after_delete() -> None:
    """SQLite: fold the write-ahead log into the database and empty it (no-op elsewhere)."""
    if db.engine.dialect.name != "sqlite":
        return
    busy = db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)")).scalar()
    db.session.commit()
    if busy:  # a reader held the log; the next deletion's checkpoint finishes the job
        current_app.logger.warning("WAL checkpoint after a deletion was blocked by a reader")
