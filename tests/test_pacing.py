"""Pacing and the first sound: pauses written into the program, rendered as silence; stage
lengths; missing narration rendered in the background as a serving process starts."""

from __future__ import annotations

import errno
import io
import wave

import pytest
import yaml

from tests.fakes import FakeTTS
from voiceguide.config import DEFAULT_PROGRAM
from voiceguide.narration import narration, spoken_texts, start_warming
from voiceguide.program import ProgramError, load_program
from voiceguide.speech import pauses, registry
from voiceguide.speech.narration_cache import NarrationCache


def _seconds(wav: bytes) -> float:
    with wave.open(io.BytesIO(wav)) as w:
        return w.getnframes() / w.getframerate()


def test_pauses_are_parsed_and_kept_out_of_the_words():
    spoken = "Breathe in slowly. [pause 3] Now let it out. [pause] Good."
    assert pauses.segments(spoken) == ["Breathe in slowly.", 3.0, "Now let it out.", 2.0, "Good."]
    assert pauses.plain(spoken) == "Breathe in slowly. Now let it out. Good."


def test_a_pause_is_rendered_as_that_much_silence():
    engine = FakeTTS()  # every text: a one-second tone
    synthesis = pauses.synthesize(engine, "One. [pause 2.5] Two.")
    assert engine.calls == ["One.", "Two."]
    assert _seconds(synthesis.wav) == pytest.approx(4.5, abs=0.01)


def test_the_cache_key_changes_when_a_pause_changes(tmp_path):
    cache = NarrationCache(tmp_path, FakeTTS())
    keys = {cache.key(t) for t in ("Breathe in.", "Breathe in. [pause 2]", "Breathe in. [pause 3]")}
    assert len(keys) == 3


def test_the_shipped_program_pauses_after_breathing_and_shows_words_only():
    program = load_program(DEFAULT_PROGRAM)
    instruction = program.stages[0].part("instruction")
    assert "[pause" in instruction.spoken
    assert "[pause" not in instruction.text
    assert "nose. Now let the breath out" in instruction.text
    for stage in program.stages:
        assert 3 <= stage.minutes <= 15, stage.id
        closing = stage.parts[-1]
        assert closing.unanswered and "[pause" not in closing.unanswered, stage.id
    assert program.stages[0].content_note
    assert {r.tel for r in program.help_resources} >= {"tel:988", "tel:116123"}
    assert set(program.cues) == {"saved", "reminder"}


def _write(tmp_path, mutate) -> str:
    data = yaml.safe_load(DEFAULT_PROGRAM.read_text())
    mutate(data)
    path = tmp_path / "program.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["stages"][0]["parts"][1].update(text="Breathe. [pause 30]"), "pause of 30"),
        (lambda d: d["stages"][0]["parts"][1].update(text="Breathe. [pasue 3]"), "bracket"),
        (lambda d: d["stages"][0]["parts"][1].update(text="[pause 2]"), "besides its pauses"),
        (lambda d: d["stages"][0]["parts"][0].update(unanswered="Hm."), "only a closing"),
        (lambda d: d["stages"][0]["parts"][-1].update(unanswered=" "), "'unanswered'"),
        (lambda d: d["help"]["resources"][0].update(phone="call me"), "'phone'"),
        (lambda d: d.update(cues={"hello": "Hi."}), "unknown cue"),
    ],
)
def test_a_broken_pause_variant_phone_or_cue_names_the_field(tmp_path, mutate, expected):
    with pytest.raises(ProgramError, match=expected):
        load_program(_write(tmp_path, mutate))


def test_the_closing_variant_is_in_the_program_json_with_its_own_audio(client):
    stage = client.get("/api/program").json["stages"][0]
    closing = stage["parts"][-1]
    assert closing["unanswered"]["text"].startswith("That is the end of this stage")
    assert closing["unanswered"]["audio_url"] != closing["audio_url"]
    assert client.get(closing["unanswered"]["audio_url"]).status_code == 200
    assert stage["minutes"] >= 3


def test_missing_narration_is_rendered_in_the_background_once_per_process(make_app):
    app = make_app(WARM_NARRATION=True)
    thread = start_warming(app)
    assert thread is not None
    thread.join(timeout=60)
    texts = spoken_texts(app.extensions["voiceguide.program"])
    with app.app_context():
        assert all(narration().cache.has(t) for t in texts)
    assert start_warming(app) is None  # once per process
    assert len(registry.tts(app).calls) == sum(
        len([s for s in pauses.segments(t) if isinstance(s, str)]) for t in texts
    )


def test_a_full_disk_stops_the_warming_with_a_warning_not_a_crash(make_app, monkeypatch, caplog):
    def full(self, target, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(NarrationCache, "_write_atomically", full)
    app = make_app(WARM_NARRATION=True)
    with app.app_context():
        assert narration().warm() == 0  # returns: the thread ends quietly
    assert "could not be rendered in the background" in caplog.text


def test_the_first_request_of_a_serving_process_starts_the_warming(make_app):
    app = make_app(WARM_NARRATION=True)
    app.test_client().get("/healthz")
    assert app.extensions["voiceguide.narration.warming"]
