"""Program files: the shipped program validates; broken files name the stage and field."""

from __future__ import annotations

import pytest
import yaml

from voiceguide.config import DEFAULT_PROGRAM
from voiceguide.program import ProgramError, load_program

STAGE_IDS = [
    "identify-the-root",
    "understand-the-impact",
    "self-awareness",
    "open-communication",
    "boundaries",
    "professional-help",
    "continuous-process",
]


def test_shipped_program_has_the_seven_stages_of_the_brief():
    program = load_program(DEFAULT_PROGRAM)
    assert [s.id for s in program.stages] == STAGE_IDS
    for stage in program.stages:
        kinds = [p.kind for p in stage.parts]
        assert kinds[0] == "intro" and kinds[-1] == "closing"
        assert "instruction" in kinds
        assert 2 <= len(stage.prompts) <= 3
        intro_words = len(stage.parts[0].text.split())
        assert 60 <= intro_words <= 120, (stage.id, intro_words)
        assert all(p.text.rstrip().endswith("?") for p in stage.prompts)


def test_shipped_program_carries_help_resources_and_notice():
    program = load_program(DEFAULT_PROGRAM)
    contacts = " ".join(r.contact for r in program.help_resources)
    assert "988" in contacts and "116 123" in contacts
    assert "not therapy" in program.notice
    professional = program.stage("professional-help")
    assert "not therapy" in professional.parts[0].text


def _broken(tmp_path, mutate) -> str:
    data = yaml.safe_load(DEFAULT_PROGRAM.read_text())
    mutate(data)
    path = tmp_path / "program.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["stages"][2]["parts"][0].pop("text"), ["stage 'self-awareness'", "'text'"]),
        (lambda d: d["stages"][4]["parts"][1].update(kind="lecture"), ["'boundaries'", "'kind'"]),
        (lambda d: d["stages"][0].pop("title"), ["'identify-the-root'", "'title'"]),
        (lambda d: d["stages"][1].update(id="Bad Id"), ["stage 2", "'id'"]),
        (lambda d: d["stages"][6].update(id="boundaries"), ["'boundaries'", "two stages"]),
        (lambda d: d["stages"][3]["parts"].pop(), ["'open-communication'", "closing"]),
        (lambda d: d.pop("help"), ["'help'"]),
    ],
)
def test_broken_program_names_stage_and_field(tmp_path, mutate, expected):
    path = _broken(tmp_path, mutate)
    with pytest.raises(ProgramError) as raised:
        load_program(path)
    for fragment in expected:
        assert fragment in str(raised.value)


def test_broken_program_stops_the_app(make_app, tmp_path):
    path = _broken(tmp_path, lambda d: d["stages"][5]["parts"][2].update(text="  "))
    with pytest.raises(ProgramError, match="professional-help"):
        make_app(PROGRAM_FILE=path)


def test_unreadable_and_invalid_yaml(tmp_path):
    with pytest.raises(ProgramError, match="cannot read"):
        load_program(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("stages: [unclosed\n")
    with pytest.raises(ProgramError, match="not valid YAML"):
        load_program(bad)
