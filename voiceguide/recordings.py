"""Durable storage of uploaded recordings: store first, acknowledge after."""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from .errors import ApiError
from .extensions import db
from .models import Entry
from .speech.audio import SNIFF_BYTES, decode_file, sniff_format
from .speech.base import AudioDecodeError

# sniffed container -> (file extension, MIME type served back)
FORMATS: dict[str, tuple[str, str]] = {
    "webm": (".webm", "audio/webm"),
    "ogg": (".ogg", "audio/ogg"),
    "mp4": (".m4a", "audio/mp4"),
    "wav": (".wav", "audio/wav"),
    "flac": (".flac", "audio/flac"),
    "mp3": (".mp3", "audio/mpeg"),
}
ACCEPTED = "WebM, Ogg, MP4/M4A, WAV, FLAC or MP3"
PARTIAL_PREFIX, PARTIAL_SUFFIX = ".upload-", ".part"
CHUNK = 64 * 1024


def recordings_dir() -> Path:
    """The directory holding every person's recordings."""
    return Path(current_app.config["RECORDINGS_DIR"])


def recording_path(entry: Entry) -> Path | None:
    """Absolute path of an entry's recording, or None for a typed entry."""
    if not entry.recording_path:
        return None
    return recordings_dir() / entry.recording_path


def create_spoken_entry(
    user, stage_id: str, prompt_id: str, client_id: str, upload: FileStorage
) -> Entry:
    """Store the recording durably, commit a pending Entry, queue its transcription; return it.

    Raises ApiError (400/413/415/422) for bad uploads, leaving no file and no row.
    The same `client_id` again (even in a race) returns the entry already made.
    """
    config = current_app.config
    user_dir = recordings_dir() / str(user.id)
    user_dir.mkdir(parents=True, exist_ok=True)
    partial: Path | None = None
    final: Path | None = None
    try:
        partial = _receive(upload, user_dir, int(float(config["MAX_UPLOAD_MB"]) * 1024 * 1024))
        extension, mimetype = FORMATS[_sniff(partial)]
        seconds = _decoded_seconds(partial, float(config["MAX_RECORDING_SECONDS"]))
        final = user_dir / f"{uuid.uuid4().hex}{extension}"
        os.replace(partial, final)
        partial = None
        _fsync_dir(user_dir)
        entry = Entry(
            user_id=user.id,
            program=current_app.extensions["voiceguide.program"].id,
            stage=stage_id,
            prompt=prompt_id,
            kind="spoken",
            client_id=client_id,
            recording_path=f"{user.id}/{final.name}",
            recording_mimetype=mimetype,
            duration_s=round(seconds, 2),
            status="pending",
            attempts=0,
        )
        db.session.add(entry)
        db.session.commit()
    except IntegrityError:
        # Another request with the same client_id committed first: keep theirs.
        db.session.rollback()
        _discard(final)
        existing = db.session.scalar(
            select(Entry).where(Entry.user_id == user.id, Entry.client_id == client_id)
        )
        if existing is None:
            raise
        return existing
    except BaseException:
        db.session.rollback()
        _discard(partial)
        _discard(final)
        raise

    from . import jobs

    jobs.enqueue(entry.id)
    return entry


def delete_recording(entry: Entry) -> None:
    """Remove an entry's recording file, if it has one."""
    path = recording_path(entry)
    if path is not None:
        path.unlink(missing_ok=True)


def sweep_partial_uploads(max_age_s: float = 3600) -> int:
    """Remove temporary files left by uploads cut off mid-way (a crash); return how many."""
    cutoff = time.time() - max_age_s
    removed = 0
    for path in recordings_dir().glob(f"*/{PARTIAL_PREFIX}*{PARTIAL_SUFFIX}"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            pass
    return removed


def _receive(upload: FileStorage, directory: Path, limit: int) -> Path:
    """Copy the upload into a temporary file beside its final place, refusing past `limit`."""
    fd, name = tempfile.mkstemp(dir=directory, prefix=PARTIAL_PREFIX, suffix=PARTIAL_SUFFIX)
    path = Path(name)
    try:
        size = 0
        with os.fdopen(fd, "wb") as out:
            while chunk := upload.stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise ApiError(
                        413, f"The upload is too large; the limit is {limit / 1048576:g} MB."
                    )
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise ApiError(400, "The recording is empty.")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _sniff(path: Path) -> str:
    """The container named by the file's first bytes; 415 when it is not accepted audio."""
    with path.open("rb") as f:
        found = sniff_format(f.read(SNIFF_BYTES))
    if found is None:
        raise ApiError(415, f"That file is not a supported audio format. Send {ACCEPTED}.")
    return found


def _decoded_seconds(path: Path, limit: float) -> float:
    """Decode to check the audio is whole and not too long; its true length in seconds."""
    try:
        pcm = decode_file(str(path), max_seconds=limit)
    except AudioDecodeError as e:
        raise ApiError(422, "The recording could not be decoded as audio.") from e
    if pcm.seconds > limit:
        raise ApiError(422, f"The recording is too long; the limit is {_duration(limit)}.")
    return pcm.seconds


def _duration(seconds: float) -> str:
    """600 -> '10 minutes', 90 -> '90 seconds'."""
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds:g} seconds"


def _fsync_dir(directory: Path) -> None:
    """Make a rename inside `directory` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _discard(path: Path | None) -> None:
    if path is not None:
        path.unlink(missing_ok=True)
