"""Program files: load a YAML program into dataclasses and validate it at start-up."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from flask import Flask, current_app

PART_KINDS = ("intro", "instruction", "prompt", "closing")
EXTENSION_KEY = "voiceguide.program"
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class ProgramError(Exception):
    """A program file is missing, unreadable or does not follow the schema."""


@dataclass(frozen=True)
class Part:
    """One narrated piece of a stage."""

    id: str
    kind: str
    """One of PART_KINDS; a `prompt` part expects a spoken answer."""
    text: str


@dataclass(frozen=True)
class Stage:
    """A stage: an introduction, an exercise with prompts, a closing."""

    id: str
    title: str
    summary: str
    parts: tuple[Part, ...]

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
        parts.append(
            Part(id=_ident(raw, "id", part_where), kind=kind, text=_text(raw, "text", part_where))
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
    )
