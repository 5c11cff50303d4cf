"""A bounded fuzz of the upload and JSON routes (Hypothesis): no input is a server error."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from scripts.fuzz_requests import any_request
from tests.helpers import AuthActions
from tests.journal_factory import add_entry, user_id

CASES = 500


@pytest.mark.slow
def test_no_malformed_request_is_a_server_error(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)  # a 500 as the server would send it
    client = app.test_client()
    auth = AuthActions(client)
    auth.register()
    token = auth.headers()
    entry_id = add_entry(app, user_id(app, "alice"), machine="words", recording=b"OggS" + b"\0" * 9)
    tried: list[int] = []
    errors: list[tuple[str, str, int]] = []

    @settings(max_examples=CASES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(any_request(entry_id))
    def send(request):
        response = client.open(
            request.path, method=request.method, data=request.body,
            headers={**request.headers, **token},
        )  # fmt: skip
        tried.append(response.status_code)
        if response.status_code >= 500:
            errors.append((request.method, request.path[:60], response.status_code))

    send()
    assert errors == []
    assert len(tried) >= CASES * 0.9
    assert any(400 <= status < 500 for status in tried)
