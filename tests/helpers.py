"""Test helpers (a plain module, imported by tests and fixtures alike)."""

from __future__ import annotations

import re

PASSWORD = "calm-river-lantern-42"
"""A password strong enough for the sign-up checks."""

_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class AuthActions:
    """Sign up, sign in and out through the real forms, CSRF token included."""

    def __init__(self, client):
        self.client = client

    def csrf_token(self, path: str = "/") -> str:
        """The token a page carries in its <meta name="csrf-token">."""
        html = self.client.get(path).get_data(as_text=True)
        return _CSRF_META.search(html).group(1)

    def headers(self) -> dict:
        """Headers for a fetch-style request: {"X-CSRFToken": ...}."""
        return {"X-CSRFToken": self.csrf_token()}

    def register(self, username: str = "alice", password: str = PASSWORD, confirm=None):
        """Create an account (which also signs in)."""
        return self.client.post(
            "/auth/register",
            data={
                "username": username,
                "password": password,
                "confirm": password if confirm is None else confirm,
                "csrf_token": self.csrf_token("/auth/register"),
            },
        )

    def login(self, username: str = "alice", password: str = PASSWORD):
        """Sign in."""
        return self.client.post(
            "/auth/login",
            data={
                "username": username,
                "password": password,
                "csrf_token": self.csrf_token("/auth/login"),
            },
        )

    def logout(self):
        """Sign out."""
        return self.client.post("/auth/logout", data={"csrf_token": self.csrf_token()})
