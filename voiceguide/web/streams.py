"""The streamed-answer API: open a stream, put numbered chunks, finish it into an entry."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask_login import current_user

from ..errors import BadRequest
from ..journal import entries as journal
from ..journal import live, streams
from ..models import AnswerStream
from .limits import ANSWERS, CHUNKS, per_account
from .shapes import entry_response

bp = Blueprint("streams", __name__, url_prefix="/api/streams")


def stream_json(stream: AnswerStream) -> dict[str, Any]:
    """A stream: where to send its chunks and whether it still takes them."""
    return {
        "id": stream.id,
        "client_id": stream.client_id,
        "stage": stream.stage,
        "prompt": stream.prompt,
        "open": stream.open_key is not None,
        "chunks": stream.chunks,
        "entry_id": stream.entry_id,
        "chunks_url": url_for("streams.chunk", stream_id=stream.id, number=0)[:-1],
        "finish_url": url_for("streams.finish", stream_id=stream.id),
    }


def _fields() -> dict[str, Any]:
    """The JSON body, or the form when the body is not JSON."""
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else request.form.to_dict()


@bp.post("")
@per_account("UPLOAD_RATE_LIMIT", ANSWERS, scope="answers")
def open_stream() -> tuple[Response, int]:
    """`{stage, prompt, client_id}`: 201 with a new stream, 200 with this client_id's stream."""
    user = current_user._get_current_object()
    fields = _fields()
    client_id = journal.parse_client_id(_text(fields.get("client_id")))
    stage, part = journal.find_prompt(_text(fields.get("stage")), _text(fields.get("prompt")))
    stream, created = streams.open_stream(user, stage, part, client_id)
    response = jsonify(stream_json(stream))
    response.headers["Location"] = url_for("streams.one", stream_id=stream.id)
    return response, 201 if created else 200


@bp.get("/<id:stream_id>")
def one(stream_id: int) -> Response:
    """One stream: how many chunks arrived, whether it is open, the entry it became.

    Asking keeps an open stream from the idle sweep (the page asks while a held recording
    sends no chunk)."""
    stream = streams.owned_stream(current_user, stream_id)
    streams.keep_open(stream)
    return jsonify(stream_json(stream))


@bp.put("/<id:stream_id>/chunks/<int:number>")
@per_account("STREAM_CHUNK_RATE_LIMIT", CHUNKS)
def chunk(stream_id: int, number: int) -> tuple[Response, int]:
    """The raw bytes of chunk `number`: 201 once stored durably, 200 for a resend.

    The answer carries the live view: `speech_ended` and the `draft` transcript so far.
    """
    user = current_user._get_current_object()
    stream = streams.owned_stream(user, stream_id)
    limit = int(current_app.config["STREAM_CHUNK_MAX_KB"] * 1024)
    data = request.stream.read(limit + 1)
    ack = streams.add_chunk(user, stream, number, data)
    view = live.after_chunk(user, stream)
    body = {
        "chunk": ack.number,
        "stored": ack.stored,
        "chunks": ack.chunks,
        "speech_ended": view.speech_ended,
        "speech_heard": view.speech_heard,
        "silence_s": view.silence_s,
        "draft": view.draft,
    }
    return jsonify(body), 201 if ack.stored else 200


@bp.post("/<id:stream_id>/finish")
def finish(stream_id: int) -> Response:
    """`{"chunks": N}`: join chunks 0..N-1 into an entry; 202 with it, 200 when already made."""
    user = current_user._get_current_object()
    stream = streams.owned_stream(user, stream_id)
    count = _fields().get("chunks")
    if isinstance(count, str) and count.isdigit():
        count = int(count)
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise BadRequest('Send JSON like {"chunks": 12}: how many pieces were sent.')
    entry, created = streams.finish_stream(user, stream, count)
    return entry_response(entry, 202 if created else 200)


@bp.delete("/<id:stream_id>")
def discard(stream_id: int) -> tuple[str, int]:
    """Close an open stream without making an entry; its chunks are removed."""
    user = current_user._get_current_object()
    streams.discard_stream(user, streams.owned_stream(user, stream_id))
    return "", 204


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
