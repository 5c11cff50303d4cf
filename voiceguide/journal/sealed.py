"""Encrypting a journal's words and recordings under its owner's data key.

Text fields: AES-GCM, a random 96-bit nonce each time, the entry's id and the field's
name as associated data (a ciphertext moved to another row or field fails to open). What
a streamed answer keeps before it becomes an entry (its chunks, its segments' audio and
text) is sealed the same way, bound to the stream's id and the piece's number
(`stream_context`).

Recordings: chunked AES-GCM rather than libsodium's secretstream, because serving a
recording answers Range requests (a player seeking in a 10-minute answer) and
secretstream can only be read from the start. Each file has a random salt; its own key
is HKDF(data key, salt), so chunk nonces can simply count. Every chunk's associated data
holds the header, the file's name in the store, the chunk's index and whether it is the
last: chunks cannot be reordered, dropped, moved to another file, or cut off at the end.

    file  = MAGIC | salt(16) | chunk_0 | ... | chunk_n-1
    chunk = AES-GCM(file key, nonce = index, plaintext <= 64 KiB) (tag: 16 bytes)
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, has_app_context

from ..errors import JournalDamaged
from ..models import Entry

TEXT_VERSION = b"\x01"
NONCE = 12
TAG = 16
MAGIC = b"VGSR\x01"
"""Starts every sealed recording (no audio container begins so)."""
SALT = 16
HEADER = len(MAGIC) + SALT
CHUNK = 64 * 1024
"""Plaintext bytes per chunk: a Range request decrypts at most two more than it sends."""
TEXT_FIELDS = ("machine", "corrected")
WORDS_FIELD = "words"
"""The recogniser's word confidences (journal/confidence.py): sealed, but not a text."""


def _damaged(what: str) -> JournalDamaged:
    # Loud: logged for the operator, a clear sentence for the person, never garbage shown.
    if has_app_context():
        current_app.logger.error("ciphertext failed to open: %s", what)
    return JournalDamaged()


def _text_context(entry_id: int, field: str) -> bytes:
    return f"voiceguide/entry/{entry_id}/{field}".encode()


def stream_context(stream_id: int, part: str) -> bytes:
    """Associated data for what a streamed answer keeps before it is an entry: `part` is
    'chunk/<n>', 'segment-audio/<n>' or 'segment/<n>' (a segment's text)."""
    return f"voiceguide/stream/{stream_id}/{part}".encode()


def seal_bytes(key: bytes, context: bytes, data: bytes) -> bytes:
    """`data` encrypted under `key`, bound to `context` (a random nonce each time)."""
    nonce = secrets.token_bytes(NONCE)
    return TEXT_VERSION + nonce + AESGCM(key).encrypt(nonce, data, context)


def open_bytes(key: bytes, context: bytes, sealed: bytes) -> bytes:
    """What `seal_bytes` sealed with this key and context; JournalDamaged otherwise."""
    what = context.decode(errors="replace").removeprefix("voiceguide/").replace("/", " ")
    if sealed[:1] != TEXT_VERSION or len(sealed) < 1 + NONCE + TAG:
        raise _damaged(f"{what}: not sealed")
    try:
        return AESGCM(key).decrypt(sealed[1 : 1 + NONCE], sealed[1 + NONCE :], context)
    except InvalidTag:
        raise _damaged(f"{what}: authentication failed") from None


def seal_in(key: bytes, context: bytes, text: str | None) -> bytes | None:
    """A text sealed under `key` and bound to `context` (None stays None)."""
    return None if text is None else seal_bytes(key, context, text.encode())


def open_in(key: bytes, context: bytes, sealed: bytes | None) -> str | None:
    """The text `seal_in` sealed with this key and context (None stays None)."""
    return None if sealed is None else open_bytes(key, context, sealed).decode()


def seal_text(key: bytes, entry_id: int, field: str, text: str | None) -> bytes | None:
    """The text encrypted for one entry's field (None stays None)."""
    return seal_in(key, _text_context(entry_id, field), text)


def open_text(key: bytes, entry_id: int, field: str, sealed: bytes | None) -> str | None:
    """The text of one entry's field; JournalDamaged when it was changed or moved."""
    return open_in(key, _text_context(entry_id, field), sealed)


def open_entry(entry: Entry, key: bytes) -> Entry:
    """Decrypt an entry's texts (and word confidences) into memory (never into its
    columns); returns the entry."""
    entry.__dict__["_opened"] = {
        field: open_text(key, entry.id, field, getattr(entry, f"{field}_sealed"))
        for field in (*TEXT_FIELDS, WORDS_FIELD)
    }
    return entry


def set_text(entry: Entry, key: bytes, field: str, text: str | None) -> None:
    """Store a field's new text sealed, and keep it readable in memory."""
    setattr(entry, f"{field}_sealed", seal_text(key, entry.id, field, text))
    if field in TEXT_FIELDS:
        setattr(entry, f"plain_{field}", None)
    opened = entry.__dict__.setdefault("_opened", dict.fromkeys((*TEXT_FIELDS, WORDS_FIELD)))
    opened[field] = text


class RecordingCipher:
    """Seals and opens recording files with one person's data key."""

    def __init__(self, key: bytes) -> None:
        self.key = key

    def _file_key(self, salt: bytes) -> AESGCM:
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"voiceguide/recording")
        return AESGCM(hkdf.derive(self.key))

    def seal(self, source: IO[bytes], out: IO[bytes], name: str) -> None:
        """Write `source` to `out` sealed, chunk by chunk (never all of it in memory)."""
        salt = secrets.token_bytes(SALT)
        header = MAGIC + salt
        aead = self._file_key(salt)
        out.write(header)
        index = 0
        chunk = source.read(CHUNK)
        while True:
            following = source.read(CHUNK)
            final = not following
            ad = _chunk_context(header, name, index, final)
            out.write(aead.encrypt(index.to_bytes(NONCE, "big"), chunk, ad))
            if final:
                return
            chunk, index = following, index + 1

    def reader(self, sealed: IO[bytes], size: int, name: str) -> SealedReader:
        """A seekable plaintext view of a sealed file of `size` bytes."""
        header = sealed.read(HEADER)
        if len(header) != HEADER or not header.startswith(MAGIC):
            sealed.close()
            raise _damaged(f"recording {name}: no sealed header")
        return SealedReader(sealed, size, name, header, self._file_key(header[len(MAGIC) :]))


def is_sealed(head: bytes) -> bool:
    """Whether a file starting with `head` is a sealed recording."""
    return head.startswith(MAGIC)


def plain_size(sealed_size: int) -> int:
    """The recording's length in bytes, from its sealed file's."""
    body = max(0, sealed_size - HEADER)
    chunks = max(1, -(-body // (CHUNK + TAG)))
    return max(0, body - chunks * TAG)


def _chunk_context(header: bytes, name: str, index: int, final: bool) -> bytes:
    return header + name.encode() + index.to_bytes(8, "big") + (b"\x01" if final else b"\x00")


class SealedReader(io.RawIOBase):
    """Reads a sealed recording as plaintext, decrypting one chunk at a time; seekable."""

    def __init__(self, raw: IO[bytes], size: int, name: str, header: bytes, aead: AESGCM):
        super().__init__()
        self._raw, self._name, self._header, self._aead = raw, name, header, aead
        body = size - HEADER
        self._chunks = max(1, -(-body // (CHUNK + TAG)))
        self.length = plain_size(size)
        self._pos = 0
        self._cached: tuple[int, bytes] | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.length}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def _chunk(self, index: int) -> bytes:
        if self._cached is not None and self._cached[0] == index:
            return self._cached[1]
        self._raw.seek(HEADER + index * (CHUNK + TAG))
        body = self._raw.read(CHUNK + TAG)
        final = index == self._chunks - 1
        ad = _chunk_context(self._header, self._name, index, final)
        try:
            plain = self._aead.decrypt(index.to_bytes(NONCE, "big"), body, ad)
        except InvalidTag:
            raise _damaged(f"recording {self._name}: chunk {index} failed") from None
        self._cached = (index, plain)
        return plain

    def readinto(self, buffer) -> int:
        if self._pos >= self.length:
            return 0
        index, skip = divmod(self._pos, CHUNK)
        data = self._chunk(index)[skip : skip + len(buffer)]
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


@contextlib.contextmanager
def plain_copy(reader: io.RawIOBase, suffix: str = "") -> Iterator[Path]:
    """The recording decrypted into a private temporary file (0600 in a 0700 directory
    outside the data directory) for ffmpeg, which needs to seek; removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="voiceguide-decode-") as folder:
        path = Path(folder) / f"recording{suffix}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out, reader:
            shutil.copyfileobj(reader, out, CHUNK)
        yield path
