"""Key wrapping: each person's random data key, stored only wrapped (the envelope).

    password --argon2id--> KEK --wraps--> data key     (users.dek_by_password)
    recovery key --HKDF--> KEK --wraps--> data key     (users.dek_by_recovery)
    session token --HKDF-> KEK --wraps--> data key     (sessions.wrapped_key)
    job key file --HKDF--> KEK --wraps--> data key     (entries.job_key, while a job is open;
                                                        answer_streams.job_key, while a
                                                        streamed answer's jobs may run)

A wrap is AES-GCM with the wrap's purpose and the account's id as associated data, so a
wrapped key copied to another account or another purpose fails to open. The recovery key,
session tokens and the job key are 160-256 random bits: HKDF is enough for them; only the
password needs argon2id's cost.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, current_app

KEY_BYTES = 32
NONCE_BYTES = 12
SALT_BYTES = 16
JOB_KEY = "voiceguide.job_key"

# Crockford's base32: no I, L, O or U, so every character reads aloud unambiguously.
RECOVERY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECOVERY_BYTES = 20
"""160 random bits: 32 characters, shown as 8 groups of 4."""
_READ_AS = {"O": "0", "I": "1", "L": "1"}


class WrongKey(Exception):
    """The secret does not open this wrapped key (a wrong password or recovery key, or a
    wrapped key that was changed)."""


@dataclass(frozen=True)
class KdfParams:
    """argon2id's cost, kept per person so that it can be raised later."""

    time_cost: int = 2
    memory_cost: int = 32 * 1024
    """KiB."""
    parallelism: int = 2

    def as_dict(self) -> dict[str, int]:
        """For the users.key_params JSON column."""
        return asdict(self)


def configured_params() -> KdfParams:
    """New accounts' argon2id cost: the app's `ARGON2_PARAMS` (tests make it cheap)."""
    given = current_app.config.get("ARGON2_PARAMS") or {}
    fields = KdfParams.__dataclass_fields__
    return KdfParams(**{k: int(v) for k, v in given.items() if k in fields})


def new_data_key() -> bytes:
    """A person's random 256-bit data key."""
    return secrets.token_bytes(KEY_BYTES)


def new_salt() -> bytes:
    """A random salt for the password's key derivation."""
    return secrets.token_bytes(SALT_BYTES)


def password_kek(password: str, salt: bytes, params: KdfParams) -> bytes:
    """The key-encryption key derived from a password (argon2id)."""
    return hash_secret_raw(
        password.encode(),
        salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_cost,
        parallelism=params.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def secret_kek(secret: bytes, purpose: str) -> bytes:
    """A key-encryption key from a high-entropy secret (HKDF-SHA256), one per purpose."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose.encode())
    return hkdf.derive(secret)


def _context(purpose: str, owner: int) -> bytes:
    return f"voiceguide/{purpose}/{owner}".encode()


def wrap(kek: bytes, data_key: bytes, purpose: str, owner: int) -> bytes:
    """The data key encrypted under `kek`, bound to its purpose and owner."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(kek).encrypt(nonce, data_key, _context(purpose, owner))


def unwrap(kek: bytes, wrapped: bytes | None, purpose: str, owner: int) -> bytes:
    """The data key inside `wrapped`; WrongKey when `kek` does not open it."""
    if not wrapped or len(wrapped) <= NONCE_BYTES:
        raise WrongKey("no wrapped key")
    try:
        return AESGCM(kek).decrypt(
            wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _context(purpose, owner)
        )
    except InvalidTag:
        raise WrongKey(purpose) from None


def new_recovery_key() -> str:
    """A random recovery key, as 8 groups of 4 characters read aloud one by one."""
    number = int.from_bytes(secrets.token_bytes(RECOVERY_BYTES), "big")
    chars = []
    for _ in range(RECOVERY_BYTES * 8 // 5):
        number, digit = divmod(number, 32)
        chars.append(RECOVERY_ALPHABET[digit])
    text = "".join(reversed(chars))
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def recovery_secret(typed: str) -> bytes | None:
    """The recovery key's bytes from what a person typed (any case, spaces or dashes), or
    None when it cannot be one."""
    text = "".join(c for c in typed.upper() if c.isalnum())
    text = "".join(_READ_AS.get(c, c) for c in text)
    if len(text) != RECOVERY_BYTES * 8 // 5 or any(c not in RECOVERY_ALPHABET for c in text):
        return None
    return text.encode()


def init_app(app: Flask) -> None:
    """Load the server job key (`JOB_KEY_FILE`), generating it (0600) at first start."""
    app.extensions[JOB_KEY] = stored_job_key(Path(app.config["JOB_KEY_FILE"]))


def stored_job_key(path: Path) -> bytes:
    """The job key at `path`, made once with mode 0600; web and workers must share it."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: read theirs
            pass
        else:
            try:
                os.write(fd, secrets.token_hex(KEY_BYTES).encode())
            finally:
                os.close(fd)
    text = path.read_text().strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise RuntimeError(f"the job key file {path} does not hold a 256-bit hex key")
    return key


JobKind = Literal["entry", "stream"]


def _job_purpose(kind: JobKind, job_id: int) -> str:
    # An entry's purpose is the one wrapped keys carry since issue 12.
    return f"job/{job_id}" if kind == "entry" else f"job/{kind}/{job_id}"


def wrap_for_job(data_key: bytes, owner: int, job_id: int, kind: JobKind = "entry") -> bytes:
    """The data key wrapped under the server job key, for one entry's job only (or, with
    kind "stream", one streamed answer's segment jobs and idle sweep)."""
    kek = secret_kek(current_app.extensions[JOB_KEY], "job")
    return wrap(kek, data_key, _job_purpose(kind, job_id), owner)


def unwrap_for_job(
    wrapped: bytes | None, owner: int, job_id: int, kind: JobKind = "entry"
) -> bytes:
    """The data key a job was given; WrongKey when it is missing, changed, or another's."""
    kek = secret_kek(current_app.extensions[JOB_KEY], "job")
    return unwrap(kek, wrapped, _job_purpose(kind, job_id), owner)
