"""Reading what a container declares before decoding it (ffmpeg -i, headers only)."""

from __future__ import annotations

import subprocess

import pytest

from scripts.fuzz_requests import flac_header
from tests.fakes import tone_wav
from voiceguide.speech import audio
from voiceguide.speech.audio import decode_file, ffmpeg_exe, pcm_from_ffmpeg_wav
from voiceguide.speech.base import AudioDecodeError, DecodeTimeoutError
from voiceguide.speech.probe import Declared, channel_count, parse, probe


@pytest.mark.parametrize(
    ("layout", "count"),
    [("mono", 1), ("stereo", 2), ("5.1(side)", 6), ("7.1", 8), ("22.2", 24), ("3 channels", 3),
     ("quad(side)", 4), ("octagonal", 8), ("something new", 99)],
)  # fmt: skip
def test_channel_layouts_are_counted(layout, count):
    assert channel_count(layout) == count


def test_a_bomb_header_is_read_without_decoding(tmp_path):
    path = tmp_path / "bomb.flac"
    path.write_bytes(flac_header(655350, 8, 900) + b"\xff\xf8" + b"\0" * 200)
    assert probe(ffmpeg_exe(), str(path), "flac") == Declared(655350, 8, 900.0)


def test_a_plain_recording_is_read(tmp_path):
    path = tmp_path / "a.wav"
    path.write_bytes(tone_wav(1.5, rate=22050))
    assert probe(ffmpeg_exe(), str(path), "wav") == Declared(22050, 1, 1.5)


def test_no_audio_stream_is_an_error():
    with pytest.raises(AudioDecodeError, match="no audio stream"):
        parse("Input #0, matroska,webm, from 'x':\n  Stream #0:0: Video: vp8, yuv420p")


def test_webm_without_duration_declares_none():
    summary = "  Duration: N/A, start: 0.000000\n  Stream #0:0: Audio: opus, 48000 Hz, mono, fltp"
    assert parse(summary) == Declared(48000, 1, None)


def test_decoding_names_the_container_and_reads_local_files_only(tmp_path, monkeypatch):
    path = tmp_path / "a.wav"
    path.write_bytes(tone_wav(0.5))
    commands = []
    real_run = subprocess.run

    def spy(command, **kwargs):
        commands.append(command)
        return real_run(command, **kwargs)

    monkeypatch.setattr(audio.subprocess, "run", spy)
    assert decode_file(str(path)).seconds == pytest.approx(0.5, abs=0.05)
    (command,) = commands
    before_input = command[: command.index("-i")]
    assert before_input[-2:] == ["-f", "wav"]
    assert before_input[-4:-2] == ["-protocol_whitelist", "file"]


def test_decoding_refuses_a_file_of_no_known_format(tmp_path):
    path = tmp_path / "x.m3u8"
    path.write_bytes(b"#EXTM3U\n#EXTINF:1,\nhttp://example.invalid/a.wav\n")
    with pytest.raises(AudioDecodeError, match="unknown format"):
        decode_file(str(path))


def test_a_decode_past_its_time_limit_is_stopped(tmp_path):
    path = tmp_path / "a.wav"
    path.write_bytes(tone_wav(2.0))
    with pytest.raises(DecodeTimeoutError):
        decode_file(str(path), timeout=0.0001)


def test_output_that_is_no_wav_is_a_decode_error_not_a_crash():
    with pytest.raises(AudioDecodeError):
        pcm_from_ffmpeg_wav(b"RIFF\xff\xff\xff\xffWAVEfmt " + b"\x00" * 40)
