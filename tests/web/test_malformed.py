"""Malformed requests of every class the reliability fuzzing found: each a 4xx with a code."""

from __future__ import annotations

import io
import uuid

import pytest

from tests.journal_factory import add_entry, user_id
from voiceguide.web.json_limits import MAX_JSON_DEPTH, nesting_depth

HUGE = "99999999999999999999999"


@pytest.fixture
def entry_id(app, client, auth):
    auth.register()
    return add_entry(app, user_id(app, "alice"), machine="words", recording=b"OggS" + b"\0" * 64)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/entries/{}"),
        ("patch", "/api/entries/{}"),
        ("delete", "/api/entries/{}"),
        ("get", "/api/entries/{}/audio"),
        ("post", "/api/entries/{}/retry"),
        ("get", "/journal/entries/{}/edit"),
    ],
)
@pytest.mark.parametrize("number", [HUGE, str(2**31), str(2**63), "0"])
def test_ids_outside_the_database_range_are_not_found(client, auth, entry_id, method, path, number):
    response = getattr(client, method)(
        path.format(number), json={"transcript": "x"}, headers=auth.headers()
    )
    assert response.status_code == 404
    if path.startswith("/api/"):
        assert response.get_json()["code"] == "not_found"


def test_the_largest_id_still_routes(client, auth, entry_id):
    assert client.get(f"/api/entries/{2**31 - 1}").get_json()["code"] == "not_found"
    assert client.get(f"/api/entries/{entry_id}").status_code == 200


def nested(depth: int) -> str:
    return '{"transcript": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 50_000])
@pytest.mark.parametrize("path", ["/api/entries/{id}", "/api/preferences"])
def test_deeply_nested_json_is_refused(client, auth, entry_id, depth, path):
    method = client.patch if "entries" in path else client.put
    response = method(
        path.format(id=entry_id),
        data=nested(depth),
        content_type="application/json",
        headers=auth.headers(),
    )
    assert response.status_code == 400
    body = response.get_json()
    assert body["code"] == "json_too_deep"
    assert f"limit is {MAX_JSON_DEPTH} levels" in body["error"]


def test_json_within_the_depth_limit_still_parses(client, auth, entry_id):
    body = '{"session": {"rate": 1.25}, "x": ' + "[" * 20 + "]" * 20 + "}"
    response = client.put(
        "/api/preferences", data=body, content_type="application/json", headers=auth.headers()
    )
    assert response.status_code == 200


def test_brackets_inside_strings_do_not_count():
    assert nesting_depth(b'{"a": "[[[[[[[[[[", "b": [1, {"c": "]\\"}}"}]}') == 3


def test_a_huge_json_body_is_refused_by_size(client, auth, entry_id):
    response = client.patch(
        f"/api/entries/{entry_id}",
        json={"transcript": "word " * 40_000},
        headers=auth.headers(),
    )
    assert response.status_code == 413
    assert response.get_json()["code"] == "too_large"
    assert "JSON body is too large" in response.get_json()["error"]


@pytest.mark.parametrize("text", ['"\\ud800"', '"before \\udfff after"', '"a\\u0000b"'])
def test_transcripts_that_are_not_proper_text_are_refused(client, auth, entry_id, text):
    response = client.patch(
        f"/api/entries/{entry_id}",
        data='{"transcript": ' + text + "}",
        content_type="application/json",
        headers=auth.headers(),
    )
    assert response.status_code == 400
    assert response.get_json()["code"] == "invalid_text"
    assert client.get(f"/api/entries/{entry_id}").get_json()["transcript"] == "words"


def test_a_proper_pair_of_surrogates_is_text(client, auth, entry_id):
    response = client.patch(
        f"/api/entries/{entry_id}",
        data='{"transcript": "calm \\ud83d\\ude0a"}',
        content_type="application/json",
        headers=auth.headers(),
    )
    assert response.status_code == 200
    assert response.get_json()["transcript"] == "calm \U0001f60a"


@pytest.mark.parametrize("path", ["/api/entries", "/journal"])
def test_a_very_long_search_is_refused(client, auth, entry_id, path):
    response = client.get(path, query_string={"q": "calm " * 20_000})
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert response.get_json()["code"] == "query_too_long"
        assert "limit is 500 characters" in response.get_json()["error"]
    assert client.get(path, query_string={"q": "words"}).status_code == 200


def test_typed_answer_with_lone_surrogate_in_a_form_is_not_a_500(client, auth, entry_id):
    # Forms are decoded leniently (a broken byte becomes U+FFFD): kept as the text it is.
    response = client.post(
        "/api/entries",
        data={
            "stage": "identify-the-root",
            "prompt": "prompt-1",
            "client_id": str(uuid.uuid4()),
            "text": io.BytesIO(b"\xed\xa0\x80 text").read().decode("utf-8", "replace"),
        },
        headers=auth.headers(),
    )
    assert response.status_code == 201
