"""HTTP hardening on every response: security headers, no caching of private pages, and
which proxy headers to believe.

Headers come from Flask-Talisman (maintained, small, works with Flask 3.1); the parts it
would decide for the whole app are turned off here because this app decides them per
request: HTTPS redirects (a local `make run` serves plain HTTP) and the Secure flag of the
session cookie (set per request by accounts.sessions when the request is HTTPS).
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

# Nothing inline, nothing from elsewhere: scripts and styles are files from this origin;
# recordings played back in the microphone check are blob: URLs.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "media-src": "'self' blob:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
# The microphone for this origin only; nothing else a page could ask for.
PERMISSIONS_POLICY = {
    "microphone": "(self)",
    "camera": "()",
    "geolocation": "()",
    "payment": "()",
    "usb": "()",
}
# Responses that are the same for everyone and may be cached: narration keeps its year-long
# immutable caching, static files their revalidation. Everything else is private.
CACHEABLE_ENDPOINTS = frozenset({"static", "narration.audio"})


def init_app(app: Flask) -> None:
    """Trust the configured proxy hops, add the security headers, forbid caching private pages."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        # Only then are X-Forwarded-For/-Proto/-Host believed: client address for the limits
        # and the security log, HTTPS for the cookie and HSTS.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )
    Talisman(
        app,
        force_https=False,
        session_cookie_secure=False,
        content_security_policy=CONTENT_SECURITY_POLICY,
        permissions_policy=PERMISSIONS_POLICY,
        frame_options="DENY",
        referrer_policy="same-origin",
        strict_transport_security=True,
        strict_transport_security_max_age=365 * 24 * 3600,
        x_content_type_options=True,
    )
    app.after_request(_no_store_unless_public)


def _no_store_unless_public(response: Response) -> Response:
    if request.endpoint not in CACHEABLE_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
    return response
