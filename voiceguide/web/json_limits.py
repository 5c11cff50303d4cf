"""Request bodies in JSON, bounded: a size and a nesting depth no request of ours comes near.

Python's JSON parser recurses once per level, so a body of ten thousand "[" ends in a
RecursionError (a 500) rather than a parse error; and a correction is at most 10,000
characters, so a JSON body of megabytes is no correction. Both are refused before parsing.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from ..errors import JsonTooDeep, TooLarge

MAX_JSON_BYTES = 128 * 1024
"""A 10,000-character transcript fits even with every character escaped (6 bytes each)."""
MAX_JSON_DEPTH = 32

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


def nesting_depth(body: bytes) -> int:
    """How deeply arrays and objects nest in a JSON text (brackets inside strings ignored)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRING.sub(b'""', body)):
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing too large or too deeply nested request bodies with our codes."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        body = s.encode("utf-8", "surrogatepass") if isinstance(s, str) else s
        if len(body) > MAX_JSON_BYTES:
            raise TooLarge(f"The JSON body is too large; the limit is {MAX_JSON_BYTES // 1024} KB.")
        if nesting_depth(body) > MAX_JSON_DEPTH:
            raise JsonTooDeep(
                f"The JSON body is nested too deeply; the limit is {MAX_JSON_DEPTH} levels."
            )
        return super().loads(s, **kwargs)


def init_app(app: Flask) -> None:
    """Parse request bodies with the bounded provider."""
    app.json = BoundedJSONProvider(app)
