"""The upload pipeline's decode guards: declared format, time limit, decodes at once."""

from __future__ import annotations

import threading
import time

import pytest

from scripts.fuzz_requests import flac_header
from tests.fakes import tone_wav
from tests.helpers import AuthActions
from tests.web.test_upload import post_audio, state
from voiceguide import uploads
from voiceguide.uploads import DecodeSlots, decode_limits


def signed_in(app):
    client = app.test_client()
    auth = AuthActions(client)
    auth.register()
    return client, auth


def never_decode(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("decoded although the header had already said no")

    monkeypatch.setattr(uploads, "decode_file", fail)


@pytest.mark.parametrize(
    ("rate", "channels", "words"),
    [(655350, 1, "655,350 samples a second"), (192000, 2, "192,000 samples"),
     (48000, 8, "8 channels")],
)  # fmt: skip
def test_a_decode_bomb_is_refused_by_its_header(make_app, monkeypatch, rate, channels, words):
    app = make_app()
    client, auth = signed_in(app)
    never_decode(monkeypatch)
    started = time.monotonic()
    response = post_audio(client, auth, flac_header(rate, channels, 900) + b"\xff\xf8" + b"\0" * 99)
    assert time.monotonic() - started < 5
    assert response.status_code == 422
    assert response.get_json()["code"] == "implausible_audio"
    assert words in response.get_json()["error"]
    assert state(app) == ([], 0)


def test_a_declared_duration_past_the_limit_is_refused_before_decoding(make_app, monkeypatch):
    app = make_app(MAX_RECORDING_SECONDS=60)
    client, auth = signed_in(app)
    never_decode(monkeypatch)
    response = post_audio(client, auth, flac_header(44100, 1, 900) + b"\xff\xf8" + b"\0" * 99)
    assert response.status_code == 422
    assert response.get_json()["code"] == "too_long"
    assert "limit is 1 minute" in response.get_json()["error"]
    assert state(app) == ([], 0)


def test_a_decode_past_the_time_limit_is_refused(make_app):
    app = make_app(DECODE_TIMEOUT_SECONDS=0.0001)
    client, auth = signed_in(app)
    response = post_audio(client, auth, tone_wav(1.0))
    assert response.status_code == 422
    assert response.get_json()["code"] == "decode_timeout"
    assert "longer than 0.0001 seconds to decode" in response.get_json()["error"]
    assert state(app) == ([], 0)


def test_beyond_the_decodes_at_once_an_upload_is_told_to_wait(make_app):
    app = make_app(MAX_CONCURRENT_DECODES=1)
    client, auth = signed_in(app)
    slots = decode_limits(app).slots
    held, release = threading.Event(), threading.Event()

    def hold_the_only_slot():
        with slots.slot():
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold_the_only_slot)
    holder.start()
    held.wait(5)
    try:
        response = post_audio(client, auth, tone_wav(0.5))
    finally:
        release.set()
        holder.join()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json()["code"] == "busy"
    assert state(app) == ([], 0)
    again = post_audio(client, auth, tone_wav(0.5))
    assert again.status_code == 202  # the slot is free again
    assert "Retry-After" not in again.headers  # no limiter window stamped on a success


def test_slots_are_given_back_after_a_refusal():
    slots = DecodeSlots(1)
    with pytest.raises(RuntimeError), slots.slot():
        raise RuntimeError("decode failed")
    with slots.slot():  # would wait, then raise Busy, had the slot leaked
        pass
