"""Voice commands: transcribe a short clip at once and say whether it is a command.

The guided session sends short recordings here before treating them as answers, so
that "repeat" or "skip" never becomes a journal entry. Nothing is stored: the clip
lives in a temporary file while it is checked and transcribed.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import current_app

from .speech import registry
from .speech.base import NoSpeechError
from .uploads import decode_limits, receive_audio

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
    "resume": ("resume", "continue", "carry on", "go on", "keep going", "resume the session"),
    "back": ("go back", "previous question", "the question before", "go back one"),
    "read-back": (
        "read it back",
        "read back",
        "read that back",
        "read it back to me",
        "read my answer",
        "read my answer back",
    ),
    # Not a lone "ready" or "back": either could be a whole answer.
    # "now" is a filler: "answer now" arrives as "answer".
    "answer": ("answer", "i am ready", "i m ready", "ready to answer", "let me answer"),
}
# What the recogniser is told to expect: one short form per action.
HINTS = (
    "repeat",
    "next question",
    "skip",
    "pause",
    "stop",
    "slower",
    "faster",
    "resume",
    "go back",
    "read it back",
    "answer now",
)
COMMANDS: dict[str, str] = {phrase: action for action, all_ in _PHRASES.items() for phrase in all_}
# Words around a command that do not change it ("please repeat", "um, next").
_FILLERS = {"please", "um", "uh", "er", "erm", "hmm", "ok", "okay", "so", "now", "oh"}


def command_for(transcript: str) -> str | None:
    """The command a whole transcript names, or None when it is an answer."""
    words = [w for w in re.findall(r"[a-z]+", transcript.lower()) if w not in _FILLERS]
    return COMMANDS.get(" ".join(words))


TOO_LARGE = "A voice command must be a short recording."
TOO_LONG = "A voice command must be shorter than a few seconds."


@dataclass(frozen=True)
class Heard:
    """What a clip said, and the command it names (None when it is an answer)."""

    command: str | None
    transcript: str


def recognise_command(clip: IO[bytes]) -> Heard:
    """Check and transcribe a short clip without keeping it; UploadError when it is refused."""
    with tempfile.TemporaryDirectory(prefix="voiceguide-command-") as folder:
        received = receive_audio(
            clip,
            Path(folder),
            max_bytes=MAX_COMMAND_BYTES,
            max_seconds=MAX_COMMAND_SECONDS,
            limits=decode_limits(current_app),
            too_large=TOO_LARGE,
            too_long=TOO_LONG,
        )
        try:
            text = registry.stt().transcribe(received.pcm, hints=HINTS).text.strip()
        except NoSpeechError:
            text = ""
    return Heard(command=command_for(text), transcript=text)
