"""Voice commands: transcribe a short answer at once and say whether it is a command.

The guided session sends short recordings here before treating them as answers, so
that "repeat" or "skip" never becomes a journal entry. Nothing is stored: the upload
lives in a temporary file for the length of the request.
"""

from __future__ import annotations

import re
import tempfile

from flask import Blueprint, current_app, jsonify, request

from .errors import ApiError
from .extensions import limiter
from .speech import registry
from .speech.audio import SNIFF_BYTES, decode_file, sniff_format
from .speech.base import NoSpeechError

bp = Blueprint("commands", __name__)

MAX_COMMAND_BYTES = 512 * 1024
"""Largest command recording: a few seconds of Opus is a few tens of KiB."""
MAX_COMMAND_SECONDS = 12.0
"""Longest command recording, silence before and after the word included."""

# Whole transcripts (normalised) that are commands, and the action each names. Whisper's
# small models mishear some single words ("skip", "pause", "slower"): the page suggests
# the two-word forms, which come through reliably.
_PHRASES = {
    "repeat": (
        "repeat",
        "repeat that",
        "repeat the question",
        "repeat question",
        "again",
        "say that again",
        "say it again",
    ),
    "next": (
        "next",
        "next question",
        "next one",
        "skip",
        "skip it",
        "skip this",
        "skip this one",
        "skip question",
        "skip the question",
        "skip this question",
    ),
    "pause": (
        "pause",
        "stop",
        "pause the session",
        "stop the session",
        "pause session",
        "stop session",
    ),
    "slower": ("slower", "slow down", "go slower", "speak slower", "more slowly"),
    "faster": ("faster", "speed up", "go faster", "speak faster", "more quickly"),
}
# What the recogniser is told to expect: one short form per action.
HINTS = ("repeat", "next question", "skip", "pause", "stop", "slower", "faster")
COMMANDS: dict[str, str] = {phrase: action for action, all_ in _PHRASES.items() for phrase in all_}
# Words around a command that do not change it ("please repeat", "um, next").
_FILLERS = {"please", "um", "uh", "er", "erm", "hmm", "ok", "okay", "so", "now", "oh"}


def command_for(transcript: str) -> str | None:
    """The command a whole transcript names, or None when it is an answer."""
    words = [w for w in re.findall(r"[a-z]+", transcript.lower()) if w not in _FILLERS]
    return COMMANDS.get(" ".join(words))


@bp.post("/api/commands")
@limiter.limit("60 per minute")
def recognise():
    """Transcribe a short recording without storing it: {"command", "transcript"}."""
    if (request.content_length or 0) > MAX_COMMAND_BYTES + 64 * 1024:
        raise ApiError(413, "A voice command must be a short recording.")
    upload = request.files.get("audio")
    if upload is None:
        raise ApiError(400, "Send the recording in the 'audio' field.")
    data = upload.stream.read(MAX_COMMAND_BYTES + 1)
    if not data:
        raise ApiError(400, "The recording is empty.")
    if len(data) > MAX_COMMAND_BYTES:
        raise ApiError(413, "A voice command must be a short recording.")
    if sniff_format(data[:SNIFF_BYTES]) is None:
        raise ApiError(415)
    with tempfile.NamedTemporaryFile(prefix="voiceguide-command-") as tmp:
        tmp.write(data)
        tmp.flush()
        pcm = decode_file(tmp.name, max_seconds=MAX_COMMAND_SECONDS, timeout=30)
    if pcm.seconds > MAX_COMMAND_SECONDS:
        raise ApiError(422, "A voice command must be shorter than a few seconds.")
    try:
        text = registry.stt(current_app).transcribe(pcm, hints=HINTS).text.strip()
    except NoSpeechError:
        text = ""
    return jsonify(command=command_for(text), transcript=text)
