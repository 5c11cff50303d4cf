"""Session-wide fixtures for the slow speech tests: each voice and model is loaded once."""

from __future__ import annotations

import pytest

from scripts import speech_samples

_SHARED: dict = {}


def build_shared_whisper(config):
    """Registry factory handing every test app the session's one Whisper model."""
    return _SHARED["whisper"]


@pytest.fixture(scope="session")
def piper_voice():
    """The bundled Piper voice."""
    from voiceguide.speech import piper_tts

    return piper_tts.build({})


@pytest.fixture(scope="session")
def whisper_engine():
    """The real Whisper recognizer (bundled tiny.en), built through its registry factory."""
    from voiceguide.speech import whisper_stt

    engine = whisper_stt.build({"WORKERS": 2})
    _SHARED["whisper"] = engine
    return engine


@pytest.fixture(scope="session")
def sphinx_engine():
    """The real Sphinx recognizer."""
    from voiceguide.speech import sphinx_stt

    return sphinx_stt.build({})


@pytest.fixture(scope="session")
def samples_dir(tmp_path_factory):
    """Where generated audio lives for the session."""
    return tmp_path_factory.mktemp("speech-samples")


@pytest.fixture(scope="session")
def reflection(piper_voice, samples_dir) -> tuple[str, dict]:
    """(text, {format: path}): a thirty-second reflection in every browser format."""
    text = speech_samples.long_reflection()
    wav = speech_samples.speak(piper_voice, text, samples_dir / "reflection.wav")
    files = {
        fmt: speech_samples.encode(wav, fmt, samples_dir) for fmt in speech_samples.BROWSER_FORMATS
    }
    return text, files


@pytest.fixture(scope="session")
def tone_uploads(samples_dir) -> dict:
    """{format: path}: one second of a tone in every accepted format (fast, no TTS)."""
    from tests.fakes import tone_wav

    wav = samples_dir / "tone.wav"
    wav.write_bytes(tone_wav(1.0))
    return {fmt: speech_samples.encode(wav, fmt, samples_dir) for fmt in speech_samples.ALL_FORMATS}


@pytest.fixture
def shared_whisper(monkeypatch, whisper_engine) -> str:
    """Make the STT engine name 'whisper-shared' give the session's model; return the name."""
    from voiceguide.speech import registry

    monkeypatch.setitem(
        registry.STT_ENGINES, "whisper-shared", "tests.speech_fixtures:build_shared_whisper"
    )
    return "whisper-shared"
