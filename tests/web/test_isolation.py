"""Two people: every entry route, recording URL and export refuses the other person's data."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import pytest

from tests.helpers import AuthActions
from tests.journal_factory import (
    AUDIO_BYTES,
    STAGE,
    add_entry,
    opened,
    recording_bytes,
    user_id,
)
from voiceguide.extensions import db
from voiceguide.models import Entry

SECRET = "Alice secret about the lighthouse"

# (method, path, what is sent): every route that takes an entry id. The token is Bob's own.
ENTRY_ROUTES = [
    ("GET", "/api/entries/{id}", {}),
    ("PATCH", "/api/entries/{id}", {"json": {"transcript": "Bob was here"}}),
    ("DELETE", "/api/entries/{id}", {}),
    ("GET", "/api/entries/{id}/audio", {}),
    ("GET", "/api/entries/{id}/audio", {"headers": {"Range": "bytes=0-3"}}),
    ("POST", "/api/entries/{id}/retry", {}),
    ("GET", "/journal/entries/{id}/edit", {}),
    ("POST", "/journal/entries/{id}/edit", {"data": {"transcript": "Bob was here"}}),
    ("GET", "/journal/entries/{id}/delete", {}),
    ("POST", "/journal/entries/{id}/delete", {"data": {}}),
]

# Everything that lists, searches or exports: Bob sees none of Alice's entries there.
LISTINGS = [
    "/api/entries",
    "/api/entries?q=lighthouse",
    f"/api/entries?stage={STAGE}",
    "/journal",
    "/journal?q=lighthouse",
    f"/journal?stage={STAGE}",
    "/journal/export?format=json",
    "/journal/export?format=md",
    "/journal/export?format=zip",
]


@dataclass
class TwoPeople:
    app: object
    alice: AuthActions
    bob: AuthActions
    spoken: int
    typed: int


@pytest.fixture
def people(app) -> TwoPeople:
    """Alice with a spoken entry (and its recording) and a typed one; Bob with one of his own."""
    alice = AuthActions(app.test_client())
    alice.register("alice")
    bob = AuthActions(app.test_client())
    bob.register("bob")
    owner = user_id(app, "alice")
    spoken = add_entry(app, owner, machine=SECRET, recording=AUDIO_BYTES)
    typed = add_entry(app, owner, corrected=SECRET + ", typed")
    bobs = user_id(app, "bob")
    add_entry(app, bobs, corrected="Bob answer about his garden", recording=b"bob's audio")
    return TwoPeople(app, alice, bob, spoken, typed)


def _untouched(people: TwoPeople) -> None:
    with people.app.app_context():
        spoken = db.session.get(Entry, people.spoken)
        typed = db.session.get(Entry, people.typed)
        assert spoken is not None and typed is not None
        assert opened(spoken).transcript == SECRET
        assert opened(typed).transcript == SECRET + ", typed"
    assert recording_bytes(people.app, people.spoken) == AUDIO_BYTES


@pytest.mark.parametrize(("method", "path", "send"), ENTRY_ROUTES)
@pytest.mark.parametrize("which", ["spoken", "typed"])
def test_another_persons_entry_is_404_on_every_route(people, method, path, send, which):
    send = dict(send)
    headers = {**send.pop("headers", {}), "X-CSRFToken": people.bob.csrf_token()}
    url = path.format(id=getattr(people, which))
    response = people.bob.client.open(url, method=method, headers=headers, **send)
    assert response.status_code == 404, (method, url)
    assert SECRET not in response.get_data(as_text=True)
    assert AUDIO_BYTES not in response.data
    if url.startswith("/api/"):
        assert response.get_json()["code"] == "not_found"
        assert set(response.get_json()) == {"error", "code"}
    _untouched(people)


@pytest.mark.parametrize("url", LISTINGS)
def test_listings_searches_and_exports_hold_only_ones_own_entries(people, url):
    response = people.bob.client.get(url)
    assert response.status_code == 200
    text = _readable(response)
    assert "Bob answer about his garden" in text or "lighthouse" in url
    assert "Alice secret" not in text
    assert f'"id": {people.spoken},' not in text
    # And Alice still sees her own.
    assert "Alice secret" in _readable(people.alice.client.get(url))


def test_bobs_zip_holds_only_bobs_recording(people):
    archive = zipfile.ZipFile(io.BytesIO(people.bob.client.get("/journal/export?format=zip").data))
    recordings = [n for n in archive.namelist() if n.startswith("recordings/")]
    assert [archive.read(n) for n in recordings] == [b"bob's audio"]


def test_someone_elses_id_looks_like_a_missing_one(people):
    client = people.bob.client
    theirs = client.get(f"/api/entries/{people.spoken}")
    missing = client.get("/api/entries/999999")
    assert (theirs.status_code, theirs.get_json()) == (missing.status_code, missing.get_json())


def test_reusing_someone_elses_client_id_makes_a_new_entry(people):
    with people.app.app_context():
        client_id = db.session.get(Entry, people.typed).client_id
    response = people.bob.client.post(
        "/api/entries",
        data={"stage": STAGE, "prompt": "prompt-1", "client_id": client_id, "text": "Bob's"},
        headers=people.bob.headers(),
    )
    assert response.status_code == 201
    assert response.get_json()["transcript"] == "Bob's"
    _untouched(people)


def _readable(response) -> str:
    """A response's text; for a zip, the text of every member."""
    if response.mimetype == "application/zip":
        archive = zipfile.ZipFile(io.BytesIO(response.data))
        return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return response.get_data(as_text=True)
