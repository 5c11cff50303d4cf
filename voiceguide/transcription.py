"""Transcription for people and operators: retry a failed entry; `flask transcribe FILE...`."""

from __future__ import annotations

import click
from flask import Blueprint, jsonify
from flask_login import login_required

from . import jobs
from .entries import entry_json, owned_entry
from .errors import ApiError
from .speech import registry
from .speech.audio import decode_file
from .speech.base import NoSpeechError, SpeechError

# cli_group=None: the command is `flask transcribe`, not `flask transcription transcribe`.
bp = Blueprint("transcription", __name__, cli_group=None)


@bp.post("/api/entries/<int:entry_id>/retry")
@login_required
def retry(entry_id: int):
    """Transcribe a failed entry again: 202 with the entry, now pending."""
    entry = owned_entry(entry_id)
    if entry.kind != "spoken":
        raise ApiError(409, "Only a spoken answer can be transcribed again.")
    if not jobs.retry_entry(entry):
        raise ApiError(
            409, f"Only a failed transcription can be retried; this one is {entry.status}."
        )
    response = jsonify(entry_json(entry))
    response.status_code = 202
    return response


@bp.cli.command("transcribe")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def transcribe_command(files: tuple[str, ...]) -> None:
    """Print the transcript of each audio file with the configured engine."""
    engine = registry.stt()
    failures = 0
    for path in files:
        prefix = f"{path}: " if len(files) > 1 else ""
        try:
            text = engine.transcribe(decode_file(path)).text
        except NoSpeechError as e:
            text = f"({e})"
        except SpeechError as e:
            failures += 1
            click.echo(f"{path}: error: {e}", err=True)
            continue
        click.echo(prefix + text)
    if failures:
        raise SystemExit(1)
