"""Exports of a journal: JSON (everything), Markdown (a workbook), and a zip with recordings.

The JSON export is its own versioned format (`voiceguide-journal`, FORMAT_VERSION),
independent of the API's entry JSON, so the API can change without breaking files
people have already saved.
"""

from __future__ import annotations

import json
import mimetypes
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import IO, Any

from ..models import Entry, EntryStatus, User, isoformat
from ..program import Program, Stage
from .entries import open_recording
from .recordings import store

FORMAT_VERSION = 1


@dataclass
class StageGroup:
    """A stage's entries, by day; `stage` is None for entries of stages no longer in the program."""

    stage: Stage | None
    days: list[tuple[date, list[Entry]]] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many entries the group holds."""
        return sum(len(entries) for _, entries in self.days)


def grouped(entries: list[Entry], prog: Program, zone: tzinfo = UTC) -> list[StageGroup]:
    """Entries by stage (program order, unknown stages last), then by day in `zone`, oldest
    first."""
    ordered = sorted(entries, key=lambda e: (e.created_at, e.id))
    known = {s.id for s in prog.stages}
    groups = [StageGroup(stage) for stage in prog.stages]
    groups.append(StageGroup(None))
    for entry in ordered:
        group = groups[prog.index_of(entry.stage)] if entry.stage in known else groups[-1]
        day = entry.created_at.astimezone(zone).date()
        if group.days and group.days[-1][0] == day:
            group.days[-1][1].append(entry)
        else:
            group.days.append((day, [entry]))
    return [g for g in groups if g.days]


def recording_name(entry: Entry) -> str:
    """The recording's file name inside the zip."""
    suffix = Path(entry.recording_path or "").suffix
    if not suffix and entry.recording_mimetype:
        suffix = mimetypes.guess_extension(entry.recording_mimetype.split(";")[0]) or ""
    stamp = entry.created_at.strftime("%Y%m%d-%H%M%S")
    return f"recordings/{entry.stage}/{stamp}-entry{entry.id}{suffix or '.audio'}"


def exported_entry(entry: Entry, prog: Program, with_files: bool) -> dict[str, Any]:
    """One entry in the export format."""
    stage = prog.stage(entry.stage)
    part = stage.part(entry.prompt) if stage else None
    has_recording = store().find(entry.recording_path) is not None
    item: dict[str, Any] = {
        "id": entry.id,
        "program": entry.program,
        "stage": entry.stage,
        "stage_title": stage.title if stage else None,
        "prompt": entry.prompt,
        "prompt_text": part.text if part else None,
        "kind": entry.kind.value,
        "status": entry.status.value,
        "created_at": isoformat(entry.created_at),
        "duration_s": entry.duration_s,
        "transcript": entry.transcript,
        "machine_transcript": entry.machine_transcript,
        "corrected_transcript": entry.corrected_transcript,
        "error": entry.error,
        "has_recording": has_recording,
    }
    if with_files:
        item["recording_file"] = recording_name(entry) if has_recording else None
    return item


def journal_data(
    user: User, entries: list[Entry], prog: Program, with_files: bool = False
) -> dict[str, Any]:
    """Everything in the journal as plain data; `with_files` names the recordings in the zip."""
    return {
        "format": "voiceguide-journal",
        "version": FORMAT_VERSION,
        "exported_at": isoformat(datetime.now(UTC)),
        "program": {"id": prog.id, "title": prog.title},
        "account": {"username": user.username, "created_at": isoformat(user.created_at)},
        "entries": [exported_entry(entry, prog, with_files) for entry in entries],
    }


def to_json(user: User, entries: list[Entry], prog: Program, with_files: bool = False) -> str:
    """The JSON export."""
    data = journal_data(user, entries, prog, with_files)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _quote(text: str) -> str:
    return "\n".join("> " + line if line.strip() else ">" for line in text.splitlines())


def _status_line(entry: Entry) -> str:
    if entry.status == EntryStatus.FAILED:
        return f"_Not transcribed: {entry.error or 'the transcription failed'}._"
    return "_Not transcribed yet._"


def to_markdown(user: User, entries: list[Entry], prog: Program) -> str:
    """A readable workbook: stage, then prompt, then each answer with its date."""
    lines = [
        f"# {prog.title}: the journal of {user.username}",
        "",
        f"Exported {datetime.now(UTC):%d %B %Y, %H:%M} UTC. {len(entries)} entries. "
        "Times are in UTC.",
    ]
    for group in grouped(entries, prog):
        stage_entries = [e for _, day in group.days for e in day]
        if group.stage is None:
            lines += ["", "## Other entries", ""]
            prompts = list(dict.fromkeys(e.prompt for e in stage_entries))
            texts = {p: p for p in prompts}
        else:
            number = prog.index_of(group.stage.id) + 1
            lines += ["", f"## Stage {number}: {group.stage.title}", "", group.stage.summary]
            prompts = [p.id for p in group.stage.prompts]
            extra = dict.fromkeys(e.prompt for e in stage_entries)
            prompts += [p for p in extra if p not in prompts]
            texts = {p.id: p.text for p in group.stage.parts}
        for prompt_id in prompts:
            answers = [e for e in stage_entries if e.prompt == prompt_id]
            if not answers:
                continue
            lines += ["", f"### {texts.get(prompt_id, prompt_id)}"]
            for entry in answers:
                how = "spoken" if entry.kind == "spoken" else "typed"
                lines += ["", f"**{entry.created_at:%d %B %Y, %H:%M}** ({how})", ""]
                lines.append(_quote(entry.transcript) if entry.transcript else _status_line(entry))
    return "\n".join(lines) + "\n"


def to_zip(user: User, entries: list[Entry], prog: Program) -> IO[bytes]:
    """A zip with journal.json, journal.md and every recording; a temporary file, rewound.

    The file holds the journal in the clear until the response closes it: it is unnamed
    (TemporaryFile) in the system's temporary directory, never in the data directory.
    """
    out = tempfile.TemporaryFile()  # noqa: SIM115  (handed to send_file, which closes it)
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "journal.json", to_json(user, entries, prog, with_files=True), zipfile.ZIP_DEFLATED
        )
        archive.writestr("journal.md", to_markdown(user, entries, prog), zipfile.ZIP_DEFLATED)
        for entry in entries:
            recording = open_recording(entry)
            if recording is None:
                continue
            # Decrypted as it is copied, never whole in memory. Compressed audio does not
            # shrink further: stored as it is.
            info = zipfile.ZipInfo(recording_name(entry), entry.created_at.timetuple()[:6])
            info.compress_type = zipfile.ZIP_STORED
            with recording, archive.open(info, "w") as member:
                shutil.copyfileobj(recording, member, 64 * 1024)
    out.seek(0)
    return out
