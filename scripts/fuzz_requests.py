"""Hypothesis strategies for malformed requests to the upload and JSON routes.

A case is a plain `Request` (method, path, headers, body bytes) so that the same cases go
to Flask's test client (tests/web/test_fuzz.py) and to a live server (scripts/chaos.py).
The classes are those the reliability campaign of issue 10 found: odd ids, deep or huge
JSON, broken Unicode, long queries, and multipart bodies in every shape.
"""

from __future__ import annotations

import json
import math
import struct
import uuid
from dataclasses import dataclass, field
from urllib.parse import quote

from hypothesis import strategies as st

STAGE, PROMPT = "identify-the-root", "prompt-1"
BOUNDARY = "fuzzBoundary7MA4YWxkTrZu0gW"


@dataclass(frozen=True)
class Request:
    """One HTTP request to send as it is."""

    method: str
    path: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def tiny_wav(seconds: float = 0.3, rate: int = 8000) -> bytes:
    """A short 16-bit mono tone as WAV."""
    frames = b"".join(
        struct.pack("<h", int(6000 * math.sin(2 * math.pi * 440 * i / rate)))
        for i in range(int(seconds * rate))
    )
    header = b"RIFF" + struct.pack("<I", 36 + len(frames)) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    return header + b"data" + struct.pack("<I", len(frames)) + frames


def flac_header(rate: int, channels: int, seconds: int) -> bytes:
    """A FLAC STREAMINFO that declares `seconds` of audio (a decode bomb's first bytes)."""
    samples = rate * seconds
    packed = (rate << 44) | ((channels - 1) << 41) | (15 << 36) | samples
    info = struct.pack(">HH", 4096, 4096) + b"\0" * 6 + packed.to_bytes(8, "big") + b"\0" * 16
    return b"fLaC" + b"\x80" + len(info).to_bytes(3, "big") + info


AUDIO_BODIES = st.sampled_from(
    [
        b"",
        tiny_wav(),
        tiny_wav()[:50],
        b"RIFF\xff\xff\xff\xffWAVEfmt ",
        b"\x1a\x45\xdf\xa3" + b"\0" * 64,
        b"OggS" + b"\xff" * 64,
        b"fLaC" + b"\0" * 40,
        flac_header(655350, 8, 900),
        b"\0\0\0\x20ftypisom" + b"\0" * 32,
        b"ID3\x04\0\0\0\0\0\0",
        b"\xff\xfb\x90\x00" * 16,
        b"not audio at all",
    ]
) | st.binary(max_size=300)

# Text that stresses decoders: surrogates (as JSON escapes), NUL, huge, and plain words.
NASTY_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "\0", "\ufeff", "\U0001f60a", "a" * 11_000, "%", "_", "\\"]),
)
FIELD_NAMES = st.sampled_from(["audio", "text", "stage", "prompt", "client_id", "x", "", "au\0dio"])
ID_TEXT = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["0", "00001", "1e3", "0x10", "\uff11\uff12", "9" * 40, "-1", "%00", "1/../2"]),
)


def _part(name: str, value: bytes, filename: str | None, content_type: str | None) -> bytes:
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    head = f"Content-Disposition: {disposition}\r\n"
    if content_type is not None:
        head += f"Content-Type: {content_type}\r\n"
    return f"--{BOUNDARY}\r\n{head}\r\n".encode("utf-8", "surrogateescape") + value + b"\r\n"


PART_TYPES = st.sampled_from([None, "audio/webm", "text/plain; charset=latin-1", ""])


@st.composite
def multipart_upload(draw: st.DrawFn) -> Request:
    """POST /api/entries with fields in any number, order, kind and shape."""
    parts: list[bytes] = []
    base = {"stage": STAGE, "prompt": PROMPT, "client_id": str(uuid.uuid4())}
    for name, value in base.items():
        if draw(st.booleans()) or draw(st.booleans()):  # usually present
            parts.append(_part(name, value.encode(), None, None))
    for _ in range(draw(st.integers(0, 4))):
        name = draw(FIELD_NAMES)
        as_file = draw(st.booleans())
        if name == "audio":
            value = draw(AUDIO_BODIES)
        else:
            value = draw(NASTY_TEXT).encode("utf-8", "replace")
        filename = draw(st.sampled_from(["answer.webm", "", 'a"b.wav', "../../x", "é.ogg"]))
        content_type = draw(PART_TYPES)
        parts.append(_part(name, value, filename if as_file else None, content_type))
    body = b"".join(draw(st.permutations(parts))) + f"--{BOUNDARY}--\r\n".encode()
    cut = draw(st.sampled_from([None, None, None, len(body) // 2, len(body) - 4, 10]))
    if cut is not None:
        body = body[:cut]
    content_type = draw(
        st.sampled_from(
            [
                f"multipart/form-data; boundary={BOUNDARY}",
                f'multipart/form-data; boundary="{BOUNDARY}"',
                "multipart/form-data",
                f"multipart/form-data; boundary={BOUNDARY}; charset=utf-16",
                f"multipart/mixed; boundary={BOUNDARY}",
                "application/x-www-form-urlencoded",
                "application/json",
            ]
        )
    )
    return Request("POST", "/api/entries", body, {"Content-Type": content_type})


def _json_values(max_leaves: int = 10) -> st.SearchStrategy[object]:
    leaves = st.none() | st.booleans() | st.integers() | st.floats() | NASTY_TEXT
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(NASTY_TEXT, inner, max_size=3),
        max_leaves=max_leaves,
    )


@st.composite
def json_body(draw: st.DrawFn) -> bytes:
    """A JSON body: valid values, deep nesting, lone surrogates, or bytes that are not JSON."""
    kind = draw(st.sampled_from(["value", "transcript", "session", "deep", "surrogate", "raw"]))
    if kind == "deep":
        depth = draw(st.integers(1, 30_000))
        return ('{"transcript": ' + "[" * depth + "]" * depth + "}").encode()
    if kind == "surrogate":
        escape = draw(st.sampled_from(["\\ud800", "\\udfff", "\\ud83d", "\\u0000", "\\uffff"]))
        body = '{"transcript": "a' + escape + 'b", "session": {"rate": "' + escape + '"}}'
        return body.encode()
    if kind == "raw":
        return draw(st.binary(max_size=200))
    value = draw(_json_values())
    if kind == "transcript":
        value = {"transcript": value}
    elif kind == "session":
        value = {"session": value}
    return json.dumps(value, allow_nan=draw(st.booleans())).encode()


@st.composite
def json_request(draw: st.DrawFn, entry_id: int) -> Request:
    """PATCH an entry (real or odd id) or PUT the preferences, with a JSON body."""
    if draw(st.booleans()):
        target = draw(st.just(str(entry_id)) | ID_TEXT)
        method, path = "PATCH", f"/api/entries/{target}"
    else:
        method, path = "PUT", "/api/preferences"
    content_type = draw(st.sampled_from(["application/json", "application/json; charset=latin-1"]))
    return Request(method, path, draw(json_body()), {"Content-Type": content_type})


@st.composite
def read_request(draw: st.DrawFn) -> Request:
    """GET, DELETE or retry an entry by any id text; list entries with any query."""
    kind = draw(st.sampled_from(["one", "audio", "retry", "delete", "list"]))
    target = draw(ID_TEXT)
    if kind == "list":
        q = draw(st.text(max_size=30) | st.just("word " * 2_000) | st.just("%_\\" * 100))
        stage = draw(st.text(max_size=10))
        return Request("GET", f"/api/entries?q={quote(q, safe='')}&stage={quote(stage, safe='')}")
    if kind == "one":
        return Request("GET", f"/api/entries/{target}")
    if kind == "audio":
        return Request("GET", f"/api/entries/{target}/audio")
    if kind == "retry":
        return Request("POST", f"/api/entries/{target}/retry")
    return Request("DELETE", f"/api/entries/{target}")


def any_request(entry_id: int) -> st.SearchStrategy[Request]:
    """Every class above, mixed."""
    return st.one_of(multipart_upload(), json_request(entry_id), read_request())
