"""Audio plumbing: the bundled ffmpeg, format sniffing, decoding to PCM, encoding narration."""

from __future__ import annotations

import io
import subprocess
import warnings
import wave
from functools import cache

with warnings.catch_warnings():
    # pydub looks for a system ffmpeg at import; we point it at imageio-ffmpeg's below.
    warnings.simplefilter("ignore", RuntimeWarning)
    from pydub import AudioSegment

from . import ffmpeg_process
from .base import AudioDecodeError, DecodeTimeoutError, Pcm
from .probe import DEMUXERS, INPUT_SAFETY

__all__ = [
    "SNIFF_BYTES",
    "AudioSegment",
    "decode_file",
    "encode_mp3",
    "encode_playable",
    "ffmpeg_exe",
    "mp3_seconds",
    "sniff_file",
    "sniff_format",
    "wav_bytes",
]

# Container signatures of what browsers' MediaRecorder and common files produce.
_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x1a\x45\xdf\xa3", "webm"),  # EBML: WebM / Matroska
    (0, b"OggS", "ogg"),
    (0, b"fLaC", "flac"),
    (0, b"ID3", "mp3"),
    (4, b"ftyp", "mp4"),  # MP4 / M4A
)
SNIFF_BYTES = 12
DECODE_TIMEOUT = 30.0
"""Seconds: a real ten-minute recording decodes in about 3 s here."""


@cache
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary shipped by imageio-ffmpeg (no system ffmpeg needed)."""
    import imageio_ffmpeg

    exe: str = imageio_ffmpeg.get_ffmpeg_exe()
    AudioSegment.converter = exe
    return exe


def sniff_format(head: bytes) -> str | None:
    """Name the container from the first bytes, or None when it is not audio we accept."""
    for offset, magic, name in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return name
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "mp3"  # an MPEG audio frame sync without an ID3 tag
    return None


def sniff_file(path: str) -> str | None:
    """The container of the file at `path`, by its first bytes."""
    try:
        with open(path, "rb") as f:
            return sniff_format(f.read(SNIFF_BYTES))
    except OSError as e:
        raise AudioDecodeError("The recording could not be read.") from e


def decode_file(
    path: str,
    max_seconds: float | None = None,
    timeout: float = DECODE_TIMEOUT,
    container: str | None = None,
) -> Pcm:
    """Decode a supported file to 16 kHz mono 16-bit PCM, within a hard time limit.

    Chromium's WebM recordings carry no duration, so the length is taken from the
    decoded samples. Decoding stops just past `max_seconds`, so a huge file cannot
    fill memory; the caller sees the over-long length and refuses it. ffmpeg is told the
    container (`container`, else sniffed from the first bytes) and reads local files only.
    """
    container = container or sniff_file(path)
    if container is None:
        raise AudioDecodeError("The recording could not be decoded as audio: unknown format.")
    command = [ffmpeg_exe(), "-nostdin", "-v", "error", *INPUT_SAFETY, "-f", DEMUXERS[container]]
    # No metadata in the output: a tag could hold the word "data" (see _fix_wav_sizes).
    command += ["-i", path, "-vn", "-map_metadata", "-1", "-ac", "1", "-ar", "16000"]
    if max_seconds is not None:
        command += ["-t", f"{max_seconds + 1:.3f}"]
    command += ["-f", "wav", "-acodec", "pcm_s16le", "-"]
    try:
        done = ffmpeg_process.run(command, timeout)
    except subprocess.TimeoutExpired as e:  # run() has killed ffmpeg
        raise DecodeTimeoutError("The recording took too long to decode.") from e
    if done.returncode != 0 or len(done.stdout) <= 44:
        raise AudioDecodeError("The recording could not be decoded as audio.")
    return pcm_from_ffmpeg_wav(done.stdout)


PLAYABLE_RATE = "24000"
PLAYABLE_BITRATE = "48k"
"""AAC-LC, mono, 24 kHz: speech keeps everything up to 12 kHz, every browser plays it, and
encoding costs a third less CPU than at 48 kHz (scripts/bench_playable.py)."""


def encode_playable(
    path: str, out: str, timeout: float = DECODE_TIMEOUT, container: str | None = None
) -> None:
    """Encode a recording as AAC in an MP4 (M4A) file that every current browser plays.

    The index (moov atom) goes to the front (`+faststart`), so a player knows the
    duration from the first bytes and seeks with Range requests; the container records
    the exact length, unlike a browser's streamed WebM. AudioDecodeError on failure.
    """
    container = container or sniff_file(path)
    if container is None:
        raise AudioDecodeError("The recording could not be decoded as audio: unknown format.")
    command = [ffmpeg_exe(), "-nostdin", "-v", "error", "-y", *INPUT_SAFETY]
    command += ["-f", DEMUXERS[container], "-i", path, "-vn", "-map_metadata", "-1"]
    command += ["-ac", "1", "-ar", PLAYABLE_RATE, "-c:a", "aac", "-b:a", PLAYABLE_BITRATE]
    command += ["-movflags", "+faststart", "-f", "mp4", out]
    try:
        done = ffmpeg_process.run(command, timeout)
    except subprocess.TimeoutExpired as e:
        raise DecodeTimeoutError("The recording took too long to convert.") from e
    if done.returncode != 0:
        raise AudioDecodeError("The recording could not be converted for playing.")


def pcm_from_ffmpeg_wav(wav: bytes) -> Pcm:
    """The PCM inside ffmpeg's piped WAV output; AudioDecodeError if it is not one."""
    # The standard library's reader, not pydub's: on a WAV it cannot parse, pydub falls
    # back to running ffprobe, which imageio-ffmpeg does not ship (an OSError, a 500).
    try:
        with wave.open(io.BytesIO(_fix_wav_sizes(wav)), "rb") as reader:
            if reader.getsampwidth() != 2 or reader.getnchannels() != 1:
                raise AudioDecodeError("The recording could not be decoded as audio.")
            return Pcm(
                data=reader.readframes(reader.getnframes()), sample_rate=reader.getframerate()
            )
    except (wave.Error, EOFError) as e:
        raise AudioDecodeError("The recording could not be decoded as audio.") from e


def _fix_wav_sizes(wav: bytes) -> bytes:
    """ffmpeg writing WAV to a pipe cannot seek back to fill in sizes; set them."""
    data = bytearray(wav)
    data[4:8] = (len(data) - 8).to_bytes(4, "little")
    pos = data.find(b"data", 12)
    if pos >= 0:
        data[pos + 4 : pos + 8] = (len(data) - pos - 8).to_bytes(4, "little")
    return bytes(data)


def wav_bytes(frames: bytes, sample_rate: int) -> bytes:
    """Wrap mono 16-bit PCM frames in a WAV container."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(frames)
    return out.getvalue()


def encode_mp3(wav: bytes, bitrate: str = "48k") -> bytes:
    """Encode WAV bytes as MP3 for the browser's <audio> element."""
    ffmpeg_exe()
    segment = AudioSegment.from_wav(io.BytesIO(wav))
    out = io.BytesIO()
    segment.export(out, format="mp3", bitrate=bitrate)
    return out.getvalue()


def mp3_seconds(data: bytes) -> float:
    """Duration of encoded audio (used by tests and the benchmark)."""
    ffmpeg_exe()
    return len(AudioSegment.from_file(io.BytesIO(data), format="mp3", codec="mp3")) / 1000
