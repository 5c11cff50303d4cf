"""Access logs without query strings: `?q=` holds a person's search words.

Werkzeug's request log (`make run`) and gunicorn's access log both print the request line;
this filter cuts the query string out of it before any handler sees it. (SQL parameters are
hidden by the engine option `hide_parameters`, see config.py.)
"""

from __future__ import annotations

import logging
import re

_QUERY = re.compile(r"\?[^ \"]*")
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")


class DropQueryStrings(logging.Filter):
    """Removes `?...` from request lines in access-log records."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict):  # gunicorn: atoms by name
            args = dict(record.args)
            for atom in ("r", "{raw_uri}e"):
                if isinstance(args.get(atom), str):
                    args[atom] = _QUERY.sub("", args[atom])
            args["q"] = ""
            record.args = args
        elif isinstance(record.args, tuple):  # werkzeug: (request line, status, size)
            record.args = tuple(_QUERY.sub("", a) if isinstance(a, str) else a for a in record.args)
        return True


def install() -> None:
    """Put the filter on the access loggers (once per process)."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, DropQueryStrings) for f in logger.filters):
            logger.addFilter(DropQueryStrings())
