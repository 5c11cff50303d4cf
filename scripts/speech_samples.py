"""Test audio made on the fly: reference texts, Piper speech, browser-like encodings, WER.

Shared by scripts/bench_transcribe.py and the slow tests (through tests/speech_fixtures.py).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"

# What each browser's MediaRecorder produces, as ffmpeg output options. WebM is written
# through a pipe, as Chromium streams it, so it carries no duration; MP4 is fragmented
# like Safari's.
BROWSER_FORMATS: dict[str, list[str]] = {
    "webm": ["-c:a", "libopus", "-b:a", "32k", "-ar", "48000", "-f", "webm"],
    "ogg": ["-c:a", "libopus", "-b:a", "32k", "-ar", "48000", "-f", "ogg"],
    "m4a": ["-c:a", "aac", "-b:a", "64k", "-ar", "44100", "-movflags",
            "frag_keyframe+empty_moov", "-f", "mp4"],
    "wav": ["-c:a", "pcm_s16le", "-f", "wav"],
}  # fmt: skip
OTHER_FORMATS: dict[str, list[str]] = {
    "flac": ["-c:a", "flac", "-f", "flac"],
    "mp3": ["-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3"],
}
ALL_FORMATS = {**BROWSER_FORMATS, **OTHER_FORMATS}


def reference_sentences() -> list[str]:
    """The short reflections of tests/data/reflections.txt."""
    lines = (DATA / "reflections.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def long_reflection() -> str:
    """A reflection of about thirty seconds when spoken."""
    return (DATA / "reflection_30s.txt").read_text().strip()


def speak(voice, text: str, path: Path) -> Path:
    """Have a TTS engine (Piper) say `text` into a WAV file."""
    path.write_bytes(voice.synthesize(text).wav)
    return path


def encode(wav: Path, fmt: str, out_dir: Path) -> Path:
    """Encode a WAV file as a browser would upload it (a key of ALL_FORMATS)."""
    from voiceguide.speech.audio import ffmpeg_exe

    out = out_dir / f"{wav.stem}-upload.{fmt}"
    command = [ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-i", str(wav), "-ac", "1"]
    done = subprocess.run([*command, *ALL_FORMATS[fmt], "pipe:1"], capture_output=True, check=True)
    out.write_bytes(done.stdout)
    return out


def normalise(text: str) -> str:
    """Lower case, no punctuation, single spaces: what word error rate compares."""
    import jiwer

    transform = jiwer.Compose(
        [
            jiwer.ToLowerCase(),
            jiwer.ExpandCommonEnglishContractions(),
            jiwer.RemovePunctuation(),
            jiwer.RemoveMultipleSpaces(),
            jiwer.Strip(),
        ]
    )
    return transform(text)


def word_error_rate(reference: str, hypothesis: str) -> float:
    """WER after normalising case and punctuation."""
    import jiwer

    return jiwer.wer(normalise(reference), normalise(hypothesis))
