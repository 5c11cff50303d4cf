"""Finding pauses in a growing recording, and decoding it as it grows."""

from __future__ import annotations

import pytest

from voiceguide.speech.pipe_decoder import PipeDecoder
from voiceguide.speech.voice_activity import WINDOW, PauseFinder, seconds

PER_SECOND = 16000 / WINDOW  # windows a second


def windows(s: float, score: float) -> list[float]:
    return [score] * round(s * PER_SECOND)


def test_a_pause_after_speech_closes_a_segment_in_its_middle():
    finder = PauseFinder(min_pause_s=0.5)
    assert finder.add(windows(1.0, 0.9) + windows(0.3, 0.1)) == []  # too short a pause
    closed = finder.add(windows(0.3, 0.1) + windows(1.0, 0.9))
    assert len(closed) == 1
    first, end = closed[0]
    assert first == 0
    assert seconds(end) == pytest.approx(1.0 + 0.25, abs=0.05)  # mid-pause, not in a word
    assert finder.segment_start == end
    assert finder.trailing_silence_s() == 0


def test_silence_before_any_speech_closes_nothing_and_is_not_an_end():
    finder = PauseFinder()
    assert finder.add(windows(5.0, 0.05)) == []
    assert not finder.heard_speech
    assert finder.trailing_silence_s() == pytest.approx(5.0, abs=0.05)


def test_trailing_silence_counts_from_the_last_speech():
    finder = PauseFinder(min_pause_s=10)
    finder.add(windows(2.0, 0.9) + windows(1.5, 0.2))
    assert finder.heard_speech
    assert finder.trailing_silence_s() == pytest.approx(1.5, abs=0.05)


def test_speech_without_a_pause_is_cut_at_its_quietest_point_by_the_length_limit():
    finder = PauseFinder(min_pause_s=0.5, max_segment_s=4.0)
    scores = [*windows(3.0, 0.9), 0.3, *windows(2.0, 0.9)]  # 0.3: a breath, not a pause
    closed = finder.add(scores)
    assert closed == [(0, round(3.0 * PER_SECOND))]


def test_the_pipe_decoder_decodes_a_growing_webm_piece_by_piece(tone_uploads):
    data = tone_uploads["webm"].read_bytes()
    decoder = PipeDecoder("webm")
    try:
        size = len(data) // 5 + 1
        sizes = []
        for start in range(0, len(data), size):
            decoder.feed(data[start : start + size])
            sizes.append(decoder.size)
        assert sizes == sorted(sizes) and sizes[0] < sizes[-1]  # it grew with each piece
    finally:
        decoder.close()
    # One second of 16 kHz 16-bit mono (the last frames come out at the close).
    assert decoder.size == pytest.approx(32000, abs=2000)
    decoder.drop_before(16000)
    assert len(decoder.take()) == decoder.size == pytest.approx(16000, abs=2000)


def test_a_pause_closes_nothing_before_the_shortest_segment_length():
    finder = PauseFinder(min_pause_s=0.5, min_segment_s=3.0, long_pause_s=5.0)
    one_phrase = [*windows(1.0, 0.9), *windows(0.6, 0.1)]
    assert finder.add(one_phrase) == []  # 1.6 s: too short to close
    closed = finder.add([*one_phrase, *one_phrase, *windows(0.1, 0.9)])
    assert len(closed) == 1 and seconds(closed[0][1]) == pytest.approx(3.2 + 1.3, abs=0.1)


def test_a_long_pause_closes_a_short_segment_the_answer_may_have_ended():
    finder = PauseFinder(min_pause_s=0.5, min_segment_s=6.0, long_pause_s=1.0)
    assert finder.add([*windows(2.0, 0.9), *windows(0.9, 0.1)]) == []
    closed = finder.add(windows(0.2, 0.1))
    assert len(closed) == 1 and seconds(closed[0][1]) == pytest.approx(2.5, abs=0.1)
