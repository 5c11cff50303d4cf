"""`flask` commands: serve, pregenerate narration, transcribe files."""

from __future__ import annotations

import time
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from tqdm import tqdm

from .jobs import backends
from .narration import narration, spoken_texts, start_warming
from .program import current_program
from .serving import serve_until_stopped
from .speech import registry
from .speech.audio import decode_file
from .speech.base import NoSpeechError, SpeechError


def pregenerate_all(app: Flask, progress: bool = True) -> dict[str, Any]:
    """Render every part of the program into the cache; return counts and seconds."""
    with app.app_context():
        cache = narration().cache
        texts = spoken_texts(current_program())
        made = skipped = 0
        started = time.perf_counter()
        for text in tqdm(texts, desc="narration", unit="part", disable=not progress):
            if cache.has(text):
                skipped += 1
            else:
                cache.ensure(text)
                made += 1
    return {"made": made, "skipped": skipped, "seconds": time.perf_counter() - started}


@click.command("pregenerate")
@with_appcontext
def pregenerate() -> None:
    """Render all narration into the cache, skipping what is there."""
    counts = pregenerate_all(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo(
        f"{counts['made']} made, {counts['skipped']} already cached, {counts['seconds']:.1f} s"
    )


@click.command("serve")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Load the engines, resume unfinished transcriptions, then serve the app."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    started = time.perf_counter()
    registry.tts(app)
    registry.stt(app)
    click.echo(
        f"engines ready in {time.perf_counter() - started:.1f} s: narration "
        f"{app.config['TTS_ENGINE']}, transcription {app.config['STT_ENGINE']}"
    )
    # Started now rather than at the first request, so that recordings left pending by
    # a crash are transcribed even if nobody opens the app after the restart.
    backends.start(app)
    # The first Start should not wait for its narration to be made (4-5 s on a fresh install).
    start_warming(app)
    # SIGTERM (systemd, docker stop, kill) and Ctrl-C stop it cleanly: see serving.py.
    # Not app.run(): Flask ignores it inside a `flask` command.
    serve_until_stopped(app, host, port)


@click.command("transcribe")
@with_appcontext
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def transcribe(files: tuple[str, ...]) -> None:
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


def register(app: Flask) -> None:
    """Add the commands to `flask`."""
    for command in (pregenerate, serve, transcribe):
        app.cli.add_command(command)
