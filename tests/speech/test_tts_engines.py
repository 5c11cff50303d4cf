"""Narration engines: real Piper on every part (slow); gTTS with its HTTP mocked."""

from __future__ import annotations

import base64
import io
import wave
from pathlib import Path
from unittest.mock import patch

import pytest
import requests

from tests.fakes import tone_wav
from voiceguide.config import DEFAULT_PROGRAM
from voiceguide.program import load_program
from voiceguide.speech import EngineUnavailableError, registry
from voiceguide.speech.audio import encode_mp3, ffmpeg_exe, mp3_seconds
from voiceguide.speech.gtts_tts import GoogleNarrator
from voiceguide.speech.piper_tts import build as build_piper

PARTS = [(s.id, p.id, p.text) for s in load_program(DEFAULT_PROGRAM).stages for p in s.parts]


@pytest.fixture(scope="module")
def piper():
    return build_piper({})


@pytest.mark.slow
@pytest.mark.parametrize(("stage", "part", "text"), PARTS, ids=[f"{s}/{p}" for s, p, _ in PARTS])
def test_every_part_speaks_with_the_real_piper_voice(piper, stage, part, text):
    synthesis = piper.synthesize(text)
    with wave.open(io.BytesIO(synthesis.wav)) as wav:
        assert wav.getframerate() == 22050
        assert wav.getsampwidth() == 2
        assert wav.getnchannels() == 1
        seconds = wav.getnframes() / wav.getframerate()
    assert seconds > 0.5
    assert synthesis.seconds == pytest.approx(seconds)
    # speech runs at two to five words a second; far shorter audio is broken speech
    assert seconds > len(text.split()) / 6
    assert mp3_seconds(encode_mp3(synthesis.wav)) == pytest.approx(seconds, abs=0.2)


def _mp3_bytes() -> bytes:
    import subprocess

    done = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-f", "wav", "-i", "-", "-f", "mp3", "-"],
        input=tone_wav(1.5, rate=24000),
        capture_output=True,
        check=True,
    )
    return done.stdout


def _answer(status: int, body: bytes, seen: list | None = None):
    """A fake `Session.send` answering every request with `status` and `body`."""

    def send(self, request, **kwargs):
        if seen is not None:
            seen.append(request.url)
        response = requests.Response()
        response.status_code = status
        response.raw = io.BytesIO(body)
        response.request = request
        response.url = request.url
        return response

    return send


def _google_answer(mp3: bytes, seen: list | None = None):
    """Google Translate's batchexecute answer carrying `mp3`."""
    b64 = base64.b64encode(mp3).decode()
    body = ")]}'\n\n" + f'[["wrb.fr","jQ1olc","[\\"{b64}\\"]",null,null,null,"generic"]]\n'
    return _answer(200, body.encode(), seen)


def test_gtts_success_decodes_googles_mp3():
    mp3 = _mp3_bytes()
    seen: list[str] = []
    with patch("requests.Session.send", _google_answer(mp3, seen)):
        synthesis = GoogleNarrator().synthesize("Take a slow breath.")
    assert len(seen) == 1 and "translate.google.com" in seen[0]
    assert synthesis.seconds == pytest.approx(1.5, abs=0.1)
    assert synthesis.wav[:4] == b"RIFF"


def test_gtts_unreachable_is_unavailable():
    with (
        patch("requests.Session.send", side_effect=requests.ConnectionError("offline")),
        pytest.raises(EngineUnavailableError, match="unavailable"),
    ):
        GoogleNarrator().synthesize("Take a slow breath.")


@pytest.fixture
def gtts_app(make_app):
    return make_app(TTS_ENGINE="gtts")


def test_gtts_through_http_success_is_cached(gtts_app):
    client = gtts_app.test_client()
    with patch("requests.Session.send", _google_answer(_mp3_bytes())):
        url = client.get("/api/program").json["stages"][0]["parts"][0]["audio_url"]
        response = client.get(url)
    assert response.status_code == 200
    # gTTS sends long text in chunks of about 100 characters, one answer (1.5 s) each
    assert mp3_seconds(response.data) > 1.4
    assert isinstance(registry.tts(gtts_app), GoogleNarrator)


def test_gtts_failure_is_503_and_leaves_no_cache_file(gtts_app):
    client = gtts_app.test_client()
    url = client.get("/api/program").json["stages"][0]["parts"][0]["audio_url"]
    with patch("requests.Session.send", side_effect=requests.ConnectionError("offline")):
        response = client.get(url)
    assert response.status_code == 503
    assert "unavailable" in response.json["error"]
    assert list(Path(gtts_app.config["AUDIO_CACHE"]).iterdir()) == []


def test_gtts_bad_status_is_503_and_leaves_no_cache_file(gtts_app):
    client = gtts_app.test_client()
    url = client.get("/api/program").json["stages"][1]["parts"][0]["audio_url"]
    with patch("requests.Session.send", _answer(500, b"")):
        response = client.get(url)
    assert response.status_code == 503
    assert list(Path(gtts_app.config["AUDIO_CACHE"]).iterdir()) == []
