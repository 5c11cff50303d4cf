"""Read-back streaming (speech/streaming.py): the pieces a text is spoken in, and the one WAV
of unknown length they make, in memory."""

from __future__ import annotations

import io
import struct
import wave

import pytest

from tests.fakes import FakeTTS, tone_wav
from voiceguide.speech import streaming
from voiceguide.speech.streaming import FIRST_PIECE_WORDS, MAX_PIECE_WORDS, pieces, stream_wav


def test_the_first_piece_is_a_short_phrase_cut_at_a_comma_when_it_can_be():
    text = "This morning, I walked to the river and sat on the bench. It was quiet."
    first, *rest = pieces(text)
    assert first == ("This morning,", False)
    assert rest == [("I walked to the river and sat on the bench.", True), ("It was quiet.", True)]
    long_first = " ".join(f"word{i}" for i in range(12)) + "."
    words, ends = pieces(long_first)[0]
    assert len(words.split()) == FIRST_PIECE_WORDS and not ends
    assert pieces("A short first sentence, then more.") == [
        ("A short first sentence, then more.", True)
    ], "a sentence just over the limit is not split into a stub"


def test_later_pieces_stay_under_the_limit_and_keep_every_word():
    text = "Short. " + " ".join(f"w{i}," if i % 7 == 6 else f"w{i}" for i in range(50)) + "."
    got = pieces(text)
    assert all(len(words.split()) <= MAX_PIECE_WORDS for words, _ in got)
    assert " ".join(words for words, _ in got).split() == " ".join(text.split()).split()
    assert [ends for _, ends in got].count(True) == 2


def _parse(stream: bytes) -> tuple[int, bytes]:
    assert stream[:4] == b"RIFF" and stream[8:16] == b"WAVEfmt "
    assert struct.unpack("<I", stream[4:8])[0] == 0xFFFFFFFF, "length unknown while streaming"
    fmt, channels, rate, _, _, bits = struct.unpack("<HHIIHH", stream[20:36])
    assert (fmt, channels, bits) == (1, 1, 16)
    assert stream[36:40] == b"data"
    return rate, stream[44:]


def test_the_stream_is_one_wav_header_then_each_piece_as_it_is_made():
    engine = FakeTTS()
    chunks = stream_wav(engine, "First one. Second one.")
    first = next(chunks)
    assert engine.calls == ["First one."], "the first piece goes out before the next is made"
    rest = list(chunks)
    assert engine.calls == ["First one.", "Second one."]
    rate, pcm = _parse(first + b"".join(rest))
    with wave.open(io.BytesIO(tone_wav())) as tone:
        frames = tone.readframes(tone.getnframes())
        assert rate == tone.getframerate()
    pause = b"\0\0" * int(rate * streaming.SENTENCE_PAUSE_S)
    assert pcm == frames + pause + frames + pause
    assert not rest[0].startswith(b"RIFF"), "one header for the whole stream"


def test_a_voice_that_is_not_16_bit_mono_is_refused():
    class Stereo(FakeTTS):
        def synthesize(self, text):
            out = io.BytesIO()
            with wave.open(out, "wb") as w:
                w.setnchannels(2)
                w.setsampwidth(2)
                w.setframerate(22050)
                w.writeframes(b"\0" * 400)
            return type(super().synthesize(text))(wav=out.getvalue(), sample_rate=22050, seconds=0)

    with pytest.raises(streaming.SpeechError):
        next(stream_wav(Stereo(), "Hello."))


def test_the_first_piece_and_the_rest_make_the_whole():
    engine = FakeTTS()
    text = "This morning, I walked to the river. It was quiet."
    _, whole = _parse(b"".join(stream_wav(engine, text)))
    _, first = _parse(b"".join(stream_wav(engine, text, "first")))
    _, rest = _parse(b"".join(stream_wav(engine, text, "rest")))
    assert first + rest == whole and first and rest
    assert engine.calls[-2:] == ["This morning, I walked to the river.", "It was quiet."]
    _, nothing = _parse(b"".join(stream_wav(engine, "Yes.", "rest")))
    assert nothing == b"", "a one-piece answer has no rest: a header alone"
