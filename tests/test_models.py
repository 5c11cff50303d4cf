"""Model types: moments come back time-zone aware in UTC; status and kind are StrEnums."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import StatementError

from voiceguide.extensions import db
from voiceguide.models import Entry, EntryKind, EntryStatus, User


def test_moments_are_stored_as_utc_and_read_back_aware(app):
    with app.app_context():
        user = User(username="alice", password_hash="h")
        db.session.add(user)
        db.session.commit()
        # 09:30 in a zone two hours ahead of UTC is 07:30 UTC.
        moment = datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=2)))
        entry = Entry(
            user_id=user.id, program="p", stage="s", prompt="q", kind=EntryKind.TYPED,
            client_id="c", created_at=moment, status=EntryStatus.DONE,
        )  # fmt: skip
        db.session.add(entry)
        db.session.commit()
        db.session.expire_all()
        loaded = db.session.get(Entry, entry.id)
        assert loaded.created_at == datetime(2026, 3, 1, 7, 30, tzinfo=UTC)
        assert loaded.created_at.tzinfo is UTC
        assert loaded.status is EntryStatus.DONE and loaded.kind is EntryKind.TYPED
        assert loaded.owner.created_at.tzinfo is UTC


def test_a_naive_moment_is_refused(app):
    with app.app_context():
        user = User(username="bob", password_hash="h", created_at=datetime(2026, 1, 1))
        db.session.add(user)
        with pytest.raises(StatementError, match="aware"):
            db.session.commit()
        db.session.rollback()
