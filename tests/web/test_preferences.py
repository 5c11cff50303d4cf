"""Session preferences on the account: read, merge, refuse nonsense, private to each person."""

from __future__ import annotations

import pytest


def test_signed_out_is_401_json(client):
    response = client.get("/api/preferences")
    assert response.status_code == 401
    assert "error" in response.get_json()


def test_defaults_are_empty_then_changes_merge(client, auth):
    auth.register()
    assert client.get("/api/preferences").get_json()["session"] == {}
    response = client.put(
        "/api/preferences", json={"session": {"rate": 1.25}}, headers=auth.headers()
    )
    assert response.status_code == 200
    response = client.put(
        "/api/preferences",
        json={"session": {"handsFree": False, "pauseSeconds": None}},
        headers=auth.headers(),
    )
    expected = {"rate": 1.25, "handsFree": False, "pauseSeconds": None}
    assert response.get_json()["session"] == expected
    assert client.get("/api/preferences").get_json()["session"] == expected
    # The stage page hands them to the session script.
    page = client.get("/stages/identify-the-root").get_data(as_text=True)
    stored = '{"handsFree": false, "pauseSeconds": null, "rate": 1.25}'
    assert f"data-preferences='{stored}'" in page


@pytest.mark.parametrize(
    "body",
    [
        {"session": {"rate": 3}},
        {"session": {"rate": True}},
        {"session": {"pauseSeconds": 4}},
        {"session": {"handsFree": "yes"}},
        {"session": {"volume": 11}},
        {"session": "fast"},
        ["rate"],
        {"timeZone": "Mars/Olympus_Mons"},
        {"timeZone": 2},
        {},
    ],
)
def test_bad_values_are_400(client, auth, body):
    auth.register()
    response = client.put("/api/preferences", json=body, headers=auth.headers())
    assert response.status_code == 400
    assert response.get_json()["error"]
    assert client.get("/api/preferences").get_json()["session"] == {}


def test_without_the_csrf_token_it_is_refused(client, auth):
    auth.register()
    assert client.put("/api/preferences", json={"session": {"rate": 1.5}}).status_code == 400


def test_each_person_has_their_own(client, auth):
    auth.register("alice")
    client.put("/api/preferences", json={"session": {"rate": 1.5}}, headers=auth.headers())
    auth.logout()
    auth.register("bob")
    assert client.get("/api/preferences").get_json()["session"] == {}


def test_the_time_zone_is_kept_and_handed_to_pages(client, auth):
    auth.register()
    assert client.get("/api/preferences").get_json()["timeZone"] == "UTC"
    response = client.put(
        "/api/preferences", json={"timeZone": "Pacific/Auckland"}, headers=auth.headers()
    )
    assert response.status_code == 200
    assert response.get_json() == {"session": {}, "timeZone": "Pacific/Auckland"}
    assert 'data-time-zone="Pacific/Auckland"' in client.get("/journal").get_data(as_text=True)
