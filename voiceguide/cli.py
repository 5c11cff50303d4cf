"""`flask` commands: pregenerate narration (and, from jobs, transcribe)."""

from __future__ import annotations

import time

import click
from flask import Flask, current_app
from tqdm import tqdm

from .narration import narration


def pregenerate_all(app: Flask, progress: bool = True) -> dict:
    """Render every part of the program into the cache; return counts and seconds."""
    with app.app_context():
        cache = narration().cache
        texts = list(
            dict.fromkeys(
                p.text for s in app.extensions["voiceguide.program"].stages for p in s.parts
            )
        )
        made = skipped = 0
        started = time.perf_counter()
        for text in tqdm(texts, desc="narration", unit="part", disable=not progress):
            if cache.has(text):
                skipped += 1
            else:
                cache.ensure(text)
                made += 1
    return {"made": made, "skipped": skipped, "seconds": time.perf_counter() - started}


def register(app: Flask) -> None:
    """Add the commands to `flask`."""

    @app.cli.command("pregenerate")
    def pregenerate() -> None:
        """Render all narration into the cache, skipping what is there."""
        counts = pregenerate_all(current_app._get_current_object())
        click.echo(
            f"{counts['made']} made, {counts['skipped']} already cached, {counts['seconds']:.1f} s"
        )
