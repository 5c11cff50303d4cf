"""How far a person is through the program: per stage, the questions with an answer."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Entry
from ..program import Program, Stage


@dataclass(frozen=True)
class StageProgress:
    """How far a person is through one stage."""

    stage: Stage
    answered_prompts: tuple[str, ...]
    """The ids of the stage's questions with at least one answer, in the stage's order."""

    @property
    def answered(self) -> int:
        """How many of the stage's questions have an answer."""
        return len(self.answered_prompts)

    @property
    def total(self) -> int:
        """How many questions the stage has."""
        return len(self.stage.prompts)

    @property
    def missing(self) -> tuple[str, ...]:
        """The ids of the questions without an answer yet."""
        return tuple(p.id for p in self.stage.prompts if p.id not in self.answered_prompts)

    @property
    def complete(self) -> bool:
        """Every question of the stage has at least one answer: the one meaning of complete."""
        return self.answered >= self.total

    def as_json(self) -> dict[str, object]:
        """The progress as the API gives it."""
        return {
            "id": self.stage.id,
            "answered": self.answered,
            "total": self.total,
            "complete": self.complete,
            "answered_prompts": list(self.answered_prompts),
            "missing": list(self.missing),
        }


def progress(entries: list[Entry], prog: Program) -> list[StageProgress]:
    """Per stage, which of its questions have at least one answer (any status)."""
    answered = {(e.stage, e.prompt) for e in entries}
    return [
        StageProgress(stage, tuple(p.id for p in stage.prompts if (stage.id, p.id) in answered))
        for stage in prog.stages
    ]
