"""How far a person is through the program: per stage, the questions with an answer."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Entry
from ..program import Program, Stage


@dataclass(frozen=True)
class StageProgress:
    """How far a person is through one stage."""

    stage: Stage
    answered: int
    total: int

    @property
    def complete(self) -> bool:
        """Every question of the stage has at least one answer."""
        return self.answered >= self.total


def progress(entries: list[Entry], prog: Program) -> list[StageProgress]:
    """Per stage, how many of its questions have at least one answer (any status)."""
    answered = {(e.stage, e.prompt) for e in entries}
    return [
        StageProgress(
            stage,
            sum((stage.id, p.id) in answered for p in stage.prompts),
            len(stage.prompts),
        )
        for stage in prog.stages
    ]
