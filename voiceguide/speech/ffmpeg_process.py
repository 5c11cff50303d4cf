"""Starting ffmpeg: always in a session of its own.

Ctrl-C in a terminal (and `kill` of a process group) signals every process of the
foreground group. ffmpeg would die mid-file and the job would fail a good recording as
undecodable; in its own session it finishes (a second or two), while the server that
got the signal stops in order and hands its running jobs back. An ffmpeg whose server is
gone ends by itself: its output pipe closes, or its input does.
"""

from __future__ import annotations

import subprocess
from typing import Any


def run(command: list[str], timeout: float) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg to its end, output captured; TimeoutExpired (ffmpeg killed) after `timeout`."""
    return subprocess.run(
        command, capture_output=True, timeout=timeout, check=False, start_new_session=True
    )


def start(command: list[str], **streams: Any) -> subprocess.Popen[bytes]:
    """Start a long-running ffmpeg (its stdin/stdout/stderr as given)."""
    return subprocess.Popen(command, start_new_session=True, **streams)
