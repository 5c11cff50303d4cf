"""Encrypting a journal kept before encryption existed, at its owner's next sign-in.

The password is at hand only then. Texts move from the plain columns into the sealed
ones; each recording is sealed into a new file, the rows switch to it in one commit, and
only then are the plain files removed and the database's log checkpointed. A crash
before the commit leaves the plain journal as it was (the new files have no row, and
start-up recovery removes them); after it, only plain files to remove.
"""

from __future__ import annotations

from flask import current_app

from ..accounts import keys
from ..extensions import db
from ..models import EntryKind, EntryStatus, User
from . import recordings, sealed
from .erasure import checkpoint_after_delete

OPEN_JOBS = (EntryStatus.PENDING, EntryStatus.PROCESSING)


def seal_journal(user: User, data_key: bytes) -> int:
    """Seal every entry of `user` (whose keys are set but not committed) and commit;
    return how many entries were sealed."""
    store = recordings.store()
    cipher = sealed.RecordingCipher(data_key)
    plain_files: list[str] = []
    written: list[str] = []
    entries = list(user.entries)
    with store.writing():  # recovery must not take a new sealed file for an orphan
        try:
            for entry in entries:
                texts = {f: getattr(entry, f"plain_{f}") for f in sealed.TEXT_FIELDS}
                for field, text in texts.items():
                    sealed.set_text(entry, data_key, field, text)
                if entry.recording_path:
                    new_name = store.reseal(entry.recording_path, cipher)
                    if new_name is not None:
                        written.append(new_name)
                        plain_files.append(entry.recording_path)
                        entry.recording_path = new_name
                if entry.kind == EntryKind.SPOKEN and entry.status in OPEN_JOBS:
                    entry.job_key = keys.wrap_for_job(data_key, user.id, entry.id)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            for name in written:
                store.delete(name)
            raise
    for name in plain_files:
        store.delete(name)
    checkpoint_after_delete()  # the plain texts' old pages leave the write-ahead log
    if entries:
        current_app.logger.info("user %s: %s entries encrypted at sign-in", user.id, len(entries))
    return len(entries)
