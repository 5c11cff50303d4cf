"""Voice commands: a short recording is transcribed at once, named as a command, never stored."""

from __future__ import annotations

import io
import tempfile

import pytest

from tests.fakes import tone_wav
from voiceguide.models import Entry
from voiceguide.speech import registry
from voiceguide.voice_commands import MAX_COMMAND_BYTES, command_for


@pytest.mark.parametrize(
    ("transcript", "command"),
    [
        ("Repeat.", "repeat"),
        (" repeat the question", "repeat"),
        ("Next question!", "next"),
        ("Skip.", "next"),
        ("Please, skip this question.", "next"),
        ("Um, stop.", "pause"),
        ("Pause the session.", "pause"),
        ("Speak slower.", "slower"),
        ("Faster, please", "faster"),
        ("Resume.", "resume"),
        ("Go back.", "back"),
        ("Read it back, please.", "read-back"),
        ("Answer now.", "answer"),
        ("I'm ready.", "answer"),
        # A command inside an answer is part of the answer: only a whole transcript counts.
        ("I want to skip this part of my life", None),
        ("I keep going back to that day, then I say resume.", None),
        ("Ready.", None),
        ("Stop worrying so much.", None),
        ("", None),
    ],
)
def test_only_a_whole_transcript_that_is_a_command_counts(transcript, command):
    assert command_for(transcript) == command


def _post(client, auth, data: bytes | None, headers=None, name="command.wav"):
    form = {} if data is None else {"audio": (io.BytesIO(data), name)}
    return client.post(
        "/api/commands",
        data=form,
        headers=auth.headers() if headers is None else headers,
        content_type="multipart/form-data",
    )


@pytest.fixture
def speaker(app):
    """The app's fake recogniser: set `.text` to what it "hears"."""
    return registry.stt(app)


@pytest.fixture
def signed_in(client, auth):
    auth.register()
    return auth


def test_a_command_is_recognised_and_nothing_is_stored(
    app, client, signed_in, speaker, tmp_path, monkeypatch
):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    speaker.text = "Repeat."
    response = _post(client, signed_in, tone_wav(1.0))
    assert response.status_code == 200
    assert response.get_json() == {"command": "repeat", "transcript": "Repeat."}
    assert speaker.calls == 1
    assert (
        "repeat" in speaker.hints and "pause" in speaker.hints
    )  # the engine is told to expect them
    with app.app_context():
        assert Entry.query.count() == 0
    assert list((tmp_path / "tmp").iterdir()) == []
    assert not any(p.is_file() for p in (tmp_path / "data" / "recordings").rglob("*"))


def test_an_answer_is_not_a_command(client, signed_in, speaker):
    speaker.text = "I felt calm this morning."
    body = _post(client, signed_in, tone_wav(1.0)).get_json()
    assert body == {"command": None, "transcript": "I felt calm this morning."}


def test_silence_is_no_command(client, signed_in, speaker):
    speaker.text = ""  # the fake raises NoSpeechError
    assert _post(client, signed_in, tone_wav(1.0)).get_json() == {"command": None, "transcript": ""}


def test_signed_out_is_401_json(client, auth):
    response = _post(client, auth, tone_wav(0.5))
    assert response.status_code == 401
    assert "error" in response.get_json()


def test_without_the_csrf_token_it_is_refused(client, signed_in):
    response = _post(client, signed_in, tone_wav(0.5), headers={})
    assert response.status_code == 400
    assert "error" in response.get_json()


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (None, 400),
        (b"", 400),
        (b"this is not audio at all, just some text", 415),
        (b"RIFF" + b"\0" * (MAX_COMMAND_BYTES + 10), 413),
    ],
)
def test_bad_uploads_get_a_clear_error(client, signed_in, speaker, data, status):
    response = _post(client, signed_in, data)
    assert response.status_code == status
    assert response.get_json()["error"]
    assert speaker.calls == 0


def test_a_long_recording_is_not_a_command(client, signed_in, speaker):
    long_wav = tone_wav(13.0, rate=8000)  # small enough in bytes, too long in time
    response = _post(client, signed_in, long_wav)
    assert response.status_code == 422
    assert "shorter" in response.get_json()["error"]
    assert speaker.calls == 0


def test_undecodable_audio_is_422(client, signed_in, speaker):
    response = _post(client, signed_in, b"OggS" + b"\x00garbage" * 50, name="x.ogg")
    assert response.status_code == 422
    assert speaker.calls == 0
