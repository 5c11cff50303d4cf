"""Running out of something the server needs: disk space, or the database's write lock.

Both are the server's state, not the request's fault, and both pass: the same request
works later. `translate` names them with our error tree (507 and 503 with Retry-After)
so that no person meets a bare "Something went wrong" for a full disk or a busy database.
"""

from __future__ import annotations

import errno

from sqlalchemy.exc import DBAPIError

from .errors import DatabaseBusy, InsufficientStorage, VoiceguideError

_NO_SPACE = {errno.ENOSPC, errno.EDQUOT}
# SQLite says these in its messages (sqlite3 has no finer error classes).
_SQLITE_FULL = ("database or disk is full",)
_SQLITE_BUSY = ("database is locked", "database table is locked", "database schema is locked")
# PostgreSQL SQLSTATEs: disk_full; lock_not_available, query_canceled (a lock or statement
# timeout), deadlock_detected, serialization_failure.
_PG_FULL = {"53100"}
_PG_BUSY = {"55P03", "57014", "40P01", "40001"}


def translate(error: BaseException) -> VoiceguideError | None:
    """Our error for a full disk or a busy database; None for anything else."""
    if isinstance(error, OSError) and error.errno in _NO_SPACE:
        return InsufficientStorage()
    if isinstance(error, DBAPIError):
        original = error.orig
        text = str(original).lower()
        sqlstate = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
        if sqlstate in _PG_FULL or any(words in text for words in _SQLITE_FULL):
            return InsufficientStorage()
        if sqlstate in _PG_BUSY or any(words in text for words in _SQLITE_BUSY):
            return DatabaseBusy()
    return None
