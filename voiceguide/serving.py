"""`flask serve`'s HTTP server, with a clean stop under load.

On SIGTERM (or Ctrl-C) the server stops taking connections, lets the requests in flight
finish within SHUTDOWN_GRACE_SECONDS, hands the transcription jobs that are running
back to "pending" (one UPDATE; they run again at the next start), and exits 0.

It exits with `os._exit` once that is done: the speech engines run native threads
(CTranslate2, ONNX Runtime) that the interpreter's normal shutdown would tear down
under them, which is how a SIGTERM used to end in SIGABRT or SIGSEGV. Nothing is left
to clean up by then: every answer is durable before it is acknowledged, and a request
still running past the grace period has acknowledged nothing.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from werkzeug.serving import make_server
from werkzeug.wsgi import ClosingIterator

from .jobs import backends


class InFlight:
    """WSGI middleware counting the requests in progress (a response counts until closed)."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.count = 0
        self._changed = threading.Condition()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        with self._changed:
            self.count += 1
        try:
            body = self.app(environ, start_response)
        except BaseException:
            self._done()
            raise
        return ClosingIterator(body, [self._done])

    def _done(self) -> None:
        with self._changed:
            self.count -= 1
            self._changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Block until no request is in flight, or `timeout` passes; True when idle."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self.count > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True


def serve_until_stopped(app: Flask, host: str, port: int) -> None:
    """Serve until SIGTERM or SIGINT, then stop as the module says and exit the process."""
    in_flight = InFlight(app)
    server = make_server(host, port, in_flight, threaded=True)
    stopping = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        if not stopping.is_set():
            stopping.set()
            # shutdown() waits for serve_forever to return: never from its own thread.
            threading.Thread(target=server.shutdown, name="voiceguide-stop").start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    app.logger.info("serving on http://%s:%s", host, server.server_port)
    status = 0
    try:
        server.serve_forever()
    except Exception:
        app.logger.exception("the server failed")
        status = 1
    finally:
        server.server_close()  # no new connections from here on
        grace = app.config["SHUTDOWN_GRACE_SECONDS"]
        if not in_flight.wait_idle(grace):
            app.logger.warning("stopping with %s requests still running", in_flight.count)
        backends.hand_back(app)
        app.logger.info("stopped")
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
