"""The workbook to share: every question of the chosen stages, answered or not, with the
person's answers in order and dated in their own time zone, as printable HTML.

Rendered in memory for the response; never written to disk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from flask import render_template

from ..errors import PdfUnavailable
from ..models import Entry, User
from ..program import Part, Program, Stage


@dataclass
class Answer:
    """One answer as the workbook shows it."""

    when: datetime
    """In the person's time zone."""
    spoken: bool
    text: str | None
    """The correction when there is one, else the machine's text; None when there is none."""
    unchecked: bool
    note: str | None = None
    """Why there is no text (not transcribed yet, or the transcription failed)."""


@dataclass
class Question:
    """A question of a stage and its answers, oldest first."""

    number: int
    part: Part
    answers: list[Answer] = field(default_factory=list)


@dataclass
class Chapter:
    """One stage of the program in the workbook."""

    number: int
    stage: Stage
    questions: list[Question]


def _answer(entry: Entry, zone: tzinfo) -> Answer:
    note = None
    if not entry.transcript:
        note = (
            f"Not transcribed: {entry.error or 'the transcription failed'}."
            if entry.status == "failed"
            else "Not transcribed yet."
        )
    return Answer(
        when=entry.created_at.astimezone(zone),
        spoken=entry.kind == "spoken",
        text=entry.transcript,
        unchecked=entry.unchecked,
        note=note,
    )


def chapters(
    entries: list[Entry], prog: Program, stages: list[Stage], zone: tzinfo
) -> list[Chapter]:
    """The chosen stages in program order, each question with its answers oldest first."""
    ordered = sorted(entries, key=lambda e: (e.created_at, e.id))
    found = []
    for stage in sorted(stages, key=lambda s: prog.index_of(s.id)):
        questions = [
            Question(
                number,
                part,
                [_answer(e, zone) for e in ordered if e.stage == stage.id and e.prompt == part.id],
            )
            for number, part in enumerate(stage.prompts, 1)
        ]
        found.append(Chapter(prog.index_of(stage.id) + 1, stage, questions))
    return found


def to_html(
    user: User,
    entries: list[Entry],
    prog: Program,
    stages: list[Stage],
    zone: tzinfo,
    now: datetime,
) -> str:
    """The printable, accessible workbook (one self-contained HTML file)."""
    return render_template(
        "journal/workbook.html",
        user=user,
        chapters=chapters(entries, prog, stages, zone),
        whole=len(stages) == len(prog.stages),
        zone=zone,
        made=now.astimezone(zone),
    )


def to_pdf(html: str, base_url: str) -> bytes:
    """The workbook as a PDF (WeasyPrint, over the system's Pango); PdfUnavailable without."""
    try:
        import weasyprint  # heavy, and it loads Pango: only when a PDF is asked for
    except (ImportError, OSError) as e:  # OSError: the Pango library is missing
        raise PdfUnavailable() from e
    # Nothing is fetched: the workbook holds its style, and links stay links.
    document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=_no_fetching)
    return document.write_pdf(pdf_variant="pdf/ua-1")


def _no_fetching(url: str, *args: object, **kwargs: object) -> dict:
    raise ValueError(f"the workbook fetches nothing ({url})")
