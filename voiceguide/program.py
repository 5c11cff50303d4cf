"""Program files: load a YAML program into dataclasses and validate it at start-up."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from flask import Flask, current_app

from .speech.pauses import DEFAULT_PAUSE_S, PAUSE, plain, segments

PART_KINDS = ("intro", "instruction", "prompt", "closing")
EXTENSION_KEY = "voiceguide.program"
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
MAX_PAUSE_S = 10.0
WORDS_PER_MINUTE = 150
"""The narration's pace (the Piper voice at its default length scale), for stage lengths."""
ANSWER_MINUTES = 1.5
"""Time to think and answer one question, for stage lengths."""
CUES = ("saved", "reminder")
_PHONE = re.compile(r"^\+?[0-9][0-9 ]{1,19}$")


class ProgramError(Exception):
    """A program file is missing, unreadable or does not follow the schema."""


def _pause_seconds(spoken: str) -> float:
    return sum(s for s in segments(spoken) if isinstance(s, float))


@dataclass(frozen=True)
class Part:
    """One narrated piece of a stage."""

    id: str
    kind: str
    """One of PART_KINDS; a `prompt` part expects a spoken answer."""
    spoken: str
    """What the narration says, pauses (`[pause 3]`) included; the narration's content key."""
    unanswered: str | None = None
    """A closing's variant for a stage left without any answer (display text)."""
    unanswered_spoken: str | None = None

    @property
    def text(self) -> str:
        """The words, as shown to a person (pauses left out)."""
        return plain(self.spoken)


@dataclass(frozen=True)
class Stage:
    """A stage: an introduction, an exercise with prompts, a closing."""

    id: str
    title: str
    summary: str
    parts: tuple[Part, ...]
    content_note: str | None = None
    """Said before the questions when they touch on hurt, beside the help link."""

    @property
    def minutes(self) -> int:
        """About how long the stage takes: the narration, its pauses, and time to answer."""
        words = sum(len(p.text.split()) for p in self.parts)
        pauses = sum(_pause_seconds(p.spoken) for p in self.parts)
        total = words / WORDS_PER_MINUTE + pauses / 60 + ANSWER_MINUTES * len(self.prompts)
        return max(1, round(total))

    def part(self, part_id: str) -> Part | None:
        """The part with this id, or None."""
        return next((p for p in self.parts if p.id == part_id), None)

    @property
    def prompts(self) -> tuple[Part, ...]:
        """The parts that expect an answer."""
        return tuple(p for p in self.parts if p.kind == "prompt")


@dataclass(frozen=True)
class HelpResource:
    """A place to get help now (kept in the program so it can be localised)."""

    region: str
    name: str
    contact: str
    url: str | None = None
    phone: str | None = None
    """A number to call, digits (and spaces, a leading +): shown as a tap-to-call link."""

    @property
    def tel(self) -> str | None:
        """The `tel:` address of the phone number."""
        return f"tel:{self.phone.replace(' ', '')}" if self.phone else None


@dataclass(frozen=True)
class Program:
    """A whole program, as loaded from its file."""

    id: str
    title: str
    description: str
    notice: str
    help_title: str
    help_intro: str
    help_resources: tuple[HelpResource, ...]
    stages: tuple[Stage, ...] = field(default_factory=tuple)
    cues: dict[str, str] = field(default_factory=dict)
    """Short spoken cues by name (CUES): "saved", "reminder"."""

    def stage(self, stage_id: str) -> Stage | None:
        """The stage with this id, or None."""
        return next((s for s in self.stages if s.id == stage_id), None)

    def index_of(self, stage_id: str) -> int:
        """Position of a stage (0-based); -1 when unknown."""
        return next((i for i, s in enumerate(self.stages) if s.id == stage_id), -1)


def init_app(app: Flask) -> None:
    """Load the configured program once; a broken file stops the app with ProgramError."""
    app.extensions[EXTENSION_KEY] = load_program(app.config["PROGRAM_FILE"])


def current_program(app: Flask | None = None) -> Program:
    """The app's loaded program."""
    program: Program = (app or current_app).extensions[EXTENSION_KEY]
    return program


def load_program(path: str | Path) -> Program:
    """Read and validate a program file; raise ProgramError naming the stage and field."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ProgramError(f"cannot read program file {path}: {e.strerror}") from e
    except yaml.YAMLError as e:
        raise ProgramError(f"program file {path} is not valid YAML: {e}") from e
    try:
        return _program(data)
    except ProgramError as e:
        raise ProgramError(f"program file {path}: {e}") from None


def _text(data: dict, key: str, where: str) -> str:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise ProgramError(f"{where}: field '{key}' must be non-empty text")
    return " ".join(value.split())


def _optional_text(data: dict, key: str, where: str) -> str | None:
    return _text(data, key, where) if data.get(key) is not None else None


def _spoken(data: dict, key: str, where: str) -> str:
    """Narration text; its pauses must be `[pause]` or `[pause N]` with N up to 10 s."""
    value = _text(data, key, where)
    for match in PAUSE.finditer(value):
        if not 0 < float(match.group(1) or DEFAULT_PAUSE_S) <= MAX_PAUSE_S:
            raise ProgramError(
                f"{where}: field '{key}' has a pause of {match.group(1)} s; "
                f"pauses are from 0 to {MAX_PAUSE_S:g} seconds"
            )
    rest = PAUSE.sub(" ", value)
    if "[" in rest or "]" in rest:
        raise ProgramError(
            f"{where}: field '{key}' has a bracket that is not a pause; write [pause] or [pause 3]"
        )
    if not rest.strip():
        raise ProgramError(f"{where}: field '{key}' must have words besides its pauses")
    return value


def _phone(data: dict, where: str) -> str | None:
    value = data.get("phone")
    if value is None:
        return None
    if not isinstance(value, str | int) or not _PHONE.match(str(value)):
        raise ProgramError(
            f"{where}: field 'phone' must be digits (spaces and a leading + allowed)"
        )
    return str(value)


def _cues(data: dict) -> dict[str, str]:
    raw = data.get("cues") or {}
    if not isinstance(raw, dict):
        raise ProgramError("program: field 'cues' must be a mapping")
    unknown = sorted(set(raw) - set(CUES))
    if unknown:
        raise ProgramError(f"cues: unknown cue {unknown[0]!r}; cues are {', '.join(CUES)}")
    return {name: _spoken(raw, name, "cues") for name in CUES if raw.get(name) is not None}


def _ident(data: dict, key: str, where: str) -> str:
    value = _text(data, key, where)
    if not _ID.match(value):
        raise ProgramError(
            f"{where}: field '{key}' must be lowercase letters, digits and dashes, got {value!r}"
        )
    return value


def _list(data: dict, key: str, where: str) -> list:
    value = data.get(key)
    if not isinstance(value, list) or not value:
        raise ProgramError(f"{where}: field '{key}' must be a non-empty list")
    return value


def _program(data: object) -> Program:
    if not isinstance(data, dict):
        raise ProgramError("the top level must be a mapping")
    help_data = data.get("help")
    if not isinstance(help_data, dict):
        raise ProgramError("program: field 'help' must be a mapping")
    resources = tuple(
        HelpResource(
            region=_text(r, "region", f"help resource {i + 1}"),
            name=_text(r, "name", f"help resource {i + 1}"),
            contact=_text(r, "contact", f"help resource {i + 1}"),
            url=r.get("url") if isinstance(r, dict) else None,
            phone=_phone(r, f"help resource {i + 1}") if isinstance(r, dict) else None,
        )
        for i, r in enumerate(_list(help_data, "resources", "help"))
    )
    stages = tuple(_stage(s, i) for i, s in enumerate(_list(data, "stages", "program")))
    seen: set[str] = set()
    for stage in stages:
        if stage.id in seen:
            raise ProgramError(f"stage '{stage.id}': field 'id' is used by two stages")
        seen.add(stage.id)
    return Program(
        id=_ident(data, "id", "program"),
        title=_text(data, "title", "program"),
        description=_text(data, "description", "program"),
        notice=_text(data, "notice", "program"),
        help_title=_text(help_data, "title", "help"),
        help_intro=_text(help_data, "intro", "help"),
        help_resources=resources,
        stages=stages,
        cues=_cues(data),
    )


def _stage(data: object, index: int) -> Stage:
    if not isinstance(data, dict):
        raise ProgramError(f"stage {index + 1}: must be a mapping")
    stage_id = _ident(data, "id", f"stage {index + 1}")
    where = f"stage '{stage_id}'"
    parts = []
    for j, raw in enumerate(_list(data, "parts", where)):
        part_where = f"{where}, part {j + 1}"
        if not isinstance(raw, dict):
            raise ProgramError(f"{part_where}: must be a mapping")
        kind = raw.get("kind")
        if kind not in PART_KINDS:
            raise ProgramError(
                f"{part_where}: field 'kind' must be one of {', '.join(PART_KINDS)}, got {kind!r}"
            )
        unanswered = None
        if raw.get("unanswered") is not None:
            if kind != "closing":
                raise ProgramError(f"{part_where}: only a closing may have an 'unanswered' text")
            unanswered = _spoken(raw, "unanswered", part_where)
        parts.append(
            Part(
                id=_ident(raw, "id", part_where),
                kind=kind,
                spoken=_spoken(raw, "text", part_where),
                unanswered=plain(unanswered) if unanswered else None,
                unanswered_spoken=unanswered,
            )
        )
    ids = [p.id for p in parts]
    duplicate = next((i for i in ids if ids.count(i) > 1), None)
    if duplicate:
        raise ProgramError(f"{where}: field 'id' {duplicate!r} is used by two parts")
    kinds = [p.kind for p in parts]
    if kinds[0] != "intro" or kinds[-1] != "closing" or kinds.count("intro") != 1:
        raise ProgramError(
            f"{where}: field 'parts' must start with an intro and end with a closing"
        )
    if "instruction" not in kinds:
        raise ProgramError(f"{where}: field 'parts' needs an instruction")
    if not 1 <= kinds.count("prompt") <= 5:
        raise ProgramError(f"{where}: field 'parts' needs between one and five prompts")
    return Stage(
        id=stage_id,
        title=_text(data, "title", where),
        summary=_text(data, "summary", where),
        parts=tuple(parts),
        content_note=_optional_text(data, "content_note", where),
    )
