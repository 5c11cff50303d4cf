"""Transcription jobs (being written: see issue 4)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Start the in-process worker (not yet)."""
