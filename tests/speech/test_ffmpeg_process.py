"""Ctrl-C (or a signal to the server's process group) never kills ffmpeg mid-file.

It reaches the server, which stops in order and hands running jobs back; an ffmpeg that
died with it would instead fail a good recording as "could not be decoded". The server
runs here as a child process in a session of its own (as a terminal's foreground job),
decoding from a named pipe that this test feeds around the signal.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.fakes import tone_wav

ROOT = Path(__file__).resolve().parents[2]
SERVER = """
import signal, sys
signal.signal(signal.SIGINT, lambda *_: print("server: interrupted", flush=True))
from voiceguide.speech.audio import decode_file
from voiceguide.speech.base import AudioDecodeError
print("server: decoding", flush=True)
try:
    print(f"decoded {decode_file(sys.argv[1], container='wav').seconds:.1f} s", flush=True)
except AudioDecodeError as e:
    print(f"failed: {e}", flush=True)
"""


def test_a_decode_survives_ctrl_c_sent_to_the_servers_process_group(tmp_path):
    pipe = tmp_path / "upload.wav"
    os.mkfifo(pipe)
    data = tone_wav(2.0)
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(pipe)], cwd=ROOT, stdout=subprocess.PIPE,
        text=True, start_new_session=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        assert server.stdout.readline().strip() == "server: decoding"
        with open(pipe, "wb") as feed:  # opens once ffmpeg opens the pipe to read it
            feed.write(data[: len(data) // 2])
            feed.flush()
            time.sleep(0.5)  # ffmpeg is mid-file
            os.killpg(server.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
            time.sleep(0.5)
            feed.write(data[len(data) // 2 :])
        out, _ = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
    assert "server: interrupted" in out
    assert "decoded 2.0 s" in out, out
