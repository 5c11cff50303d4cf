"""Who holds a job's claim: this host and process, so that a dead holder's jobs go back at once.

A holder is "host|boot id|pid|process start time". The start time (from /proc) tells a
reused pid from the process that made the claim; the boot id tells a claim made before
a reboot. Only holders on this host can be checked: a claim held on another machine
(a Celery worker elsewhere) is left to the stale timeout.
"""

from __future__ import annotations

import os
import socket
from functools import cache
from pathlib import Path

SEPARATOR = "|"


def _read(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""


def _start_time(pid: int) -> str:
    """The process's start, in clock ticks since boot ('' when /proc cannot tell)."""
    stat = _read(f"/proc/{pid}/stat")
    # The command name (field 2) is in parentheses and may hold spaces: count after it.
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else ""


@cache
def _host() -> tuple[str, str]:
    return socket.gethostname(), _read("/proc/sys/kernel/random/boot_id")


def this_process() -> str:
    """This process's holder string (computed per call: a forked worker has its own pid)."""
    host, boot = _host()
    pid = os.getpid()
    return SEPARATOR.join((host, boot, str(pid), _start_time(pid)))


def is_alive(holder: str) -> bool | None:
    """False when the holder is certainly gone; True when it runs; None when it cannot be told."""
    try:
        host, boot, pid_text, started = holder.split(SEPARATOR)
        pid = int(pid_text)
    except ValueError:
        return None
    this_host, this_boot = _host()
    if host != this_host:
        return None
    if boot and this_boot and boot != this_boot:
        return False  # claimed before this machine last started
    if started:
        return _start_time(pid) == started  # '' for no such process; another start if reused
    try:
        os.kill(pid, 0)  # no /proc: the pid exists (a reused pid cannot be told apart)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
