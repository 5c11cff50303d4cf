"""What a container declares (sample rate, channels, duration), read before any decoding.

imageio-ffmpeg ships ffmpeg without ffprobe, so this runs `ffmpeg -i FILE` with no output
and reads the stream summary it prints. Measured at about 15 ms for a 4 MB FLAC bomb
(11 minutes, 192 kHz, 8 channels) whose decoding takes 10 s: ffmpeg reads the headers
only. The container format is forced (`-f`), found by the caller from the first bytes,
and only local files may be read, so a crafted file can neither pose as a playlist nor
make ffmpeg open a URL.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

from . import ffmpeg_process
from .base import AudioDecodeError, DecodeTimeoutError

# Our sniffed container names -> ffmpeg's demuxer names.
DEMUXERS = {
    "webm": "matroska",
    "ogg": "ogg",
    "flac": "flac",
    "mp3": "mp3",
    "mp4": "mov",
    "wav": "wav",
}
INPUT_SAFETY = ("-protocol_whitelist", "file")
"""Local files only: no http, tcp, concat or other protocol a file could ask for."""
PROBE_TIMEOUT = 5.0

_AUDIO = re.compile(r"Stream #\S+.*?: Audio: [^,]+, (\d+) Hz, ([^,\n]+)")
_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_NAMED_LAYOUTS = {"mono": 1, "stereo": 2, "downmix": 2, "quad": 4, "hexagonal": 6,
                  "octagonal": 8, "hexadecagonal": 16, "binaural": 2}  # fmt: skip
_COUNTED = re.compile(r"(\d+) channels?")
_DOTTED = re.compile(r"(\d+)\.(\d+)")  # 5.1 -> 6, 7.1(wide) -> 8, 22.2 -> 24


@dataclass(frozen=True)
class Declared:
    """The first audio stream's header values."""

    sample_rate: int
    channels: int
    seconds: float | None
    """None when the container declares no duration (Chromium's WebM recordings)."""


def channel_count(layout: str) -> int:
    """Channels in one of ffmpeg's layout names ('mono', '5.1(side)', '3 channels')."""
    name = layout.strip()
    if name.split("(")[0] in _NAMED_LAYOUTS:
        return _NAMED_LAYOUTS[name.split("(")[0]]
    for pattern in (_COUNTED, _DOTTED):
        found = pattern.match(name)
        if found:
            return sum(int(n) for n in found.groups())
    return 99  # a layout we cannot name is no microphone's


def parse(summary: str) -> Declared:
    """Read ffmpeg's input summary; AudioDecodeError when it shows no audio stream."""
    stream = _AUDIO.search(summary)
    if stream is None:
        raise AudioDecodeError("The recording holds no audio stream.")
    duration = _DURATION.search(summary)
    seconds = None
    if duration is not None:
        hours, minutes, secs = duration.groups()
        seconds = int(hours) * 3600 + int(minutes) * 60 + float(secs)
    return Declared(int(stream.group(1)), channel_count(stream.group(2)), seconds)


def probe(ffmpeg: str, path: str, container: str, timeout: float = PROBE_TIMEOUT) -> Declared:
    """What the file at `path` declares, read as `container` (a name from `DEMUXERS`)."""
    command = [ffmpeg, "-hide_banner", "-nostdin", *INPUT_SAFETY, "-f", DEMUXERS[container]]
    command += ["-i", path]
    try:
        # Exit status 1 ("at least one output file must be specified") is expected.
        done = ffmpeg_process.run(command, timeout)
    except subprocess.TimeoutExpired as e:
        raise DecodeTimeoutError("The recording took too long to read.") from e
    return parse(done.stderr.decode("utf-8", "replace"))
