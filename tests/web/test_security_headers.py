"""Every response's security headers, no-store on private responses, and trusted proxies."""

from __future__ import annotations

import pytest

from tests.journal_factory import AUDIO_BYTES, add_entry, user_id


def directives(response) -> dict[str, str]:
    """The Content-Security-Policy, directive -> sources."""
    policy = response.headers["Content-Security-Policy"]
    return dict(part.strip().partition(" ")[::2] for part in policy.split(";"))


@pytest.mark.parametrize("path", ["/", "/auth/login", "/api/program", "/nowhere", "/healthz"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    csp = directives(response)
    assert csp["script-src"] == "'self'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["form-action"] == "'self'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "microphone=(self)" in response.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP: no HSTS


def test_hsts_over_https(client):
    response = client.get("https://localhost/")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_the_account_deletion_page_cannot_be_framed(client, auth):
    auth.register()
    response = client.get("/auth/account/delete")
    assert directives(response)["frame-ancestors"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_private_responses_are_never_stored(app, client, auth):
    auth.register()
    owner = user_id(app, "alice")
    entry = add_entry(app, owner, machine="words", recording=AUDIO_BYTES)
    for path in (
        "/journal",
        "/journal?q=words",
        "/api/entries",
        f"/api/entries/{entry}",
        f"/api/entries/{entry}/audio",
        "/api/preferences",
        f"/journal/entries/{entry}/edit",
        "/journal/export?format=json",
        "/",
        "/stages/identify-the-root",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
    ranged = client.get(f"/api/entries/{entry}/audio", headers={"Range": "bytes=0-9"})
    assert ranged.status_code == 206
    assert ranged.headers["Cache-Control"] == "no-store"


def test_public_narration_keeps_its_long_immutable_cache(client):
    url = client.get("/api/program").get_json()["stages"][0]["parts"][0]["audio_url"]
    response = client.get(url)
    assert response.status_code == 200
    assert "immutable" in response.headers["Cache-Control"]
    assert "max-age=31536000" in response.headers["Cache-Control"]


def test_proxy_headers_are_ignored_unless_proxies_are_trusted(make_app):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    untrusted = make_app().test_client()
    untrusted.get("/auth/login", headers=forwarded)
    assert untrusted.get_cookie("session") is not None  # plain HTTP as far as it knows
    assert untrusted.get_cookie("__Host-voiceguide") is None

    trusted = make_app(TRUSTED_PROXIES=1).test_client()
    response = trusted.get("/auth/login", headers=forwarded)
    assert "Strict-Transport-Security" in response.headers
    cookie = trusted.get_cookie("__Host-voiceguide")
    assert cookie is not None and cookie.secure
