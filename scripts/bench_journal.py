"""The journal with many answers: the journal page, a question's history and the workbook.

Runs the app in-process (Flask's test client, no network) on a temporary data directory,
adds typed answers (sealed like every answer) spread over every question of the program
and over the last year, then prints the p50 and p95 of the journal page, one question's
history page, and the workbook for the whole program as HTML and as PDF:

    .venv/bin/python scripts/bench_journal.py [--entries 1000] [--loads 50] [--exports 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import update

sys.path.insert(0, str(Path.cwd()))  # the checkout it is run from, not an installed one
from scripts.bench_at_rest import PASSWORD, WORDS  # the same account and vocabulary
from voiceguide import create_app
from voiceguide.extensions import db
from voiceguide.models import Entry
from voiceguide.program import current_program


def percentiles(loads: int, action: Callable[[], object]) -> tuple[float, float]:
    """(p50, p95) in ms of `loads` runs."""
    times = []
    for _ in range(loads):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--loads", type=int, default=50)
    parser.add_argument("--exports", type=int, default=5)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench-journal-"))
    app = create_app(
        {
            "DATA_DIR": str(root / "data"),
            "AUDIO_CACHE": str(root / "audio_cache"),
            "SECRET_KEY": "bench",
            "START_WORKER": False,
            "UPLOAD_RATE_LIMIT": "100000 per minute",
            "EXPORT_RATE_LIMIT": "100000 per minute",
            "LOGIN_RATE_LIMIT_ADDRESS": "100000 per minute",
            "WTF_CSRF_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade()
        questions = [(s.id, p.id) for s in current_program().stages for p in s.prompts]
    client = app.test_client()
    form = {"username": "bench", "password": PASSWORD, "confirm": PASSWORD}
    client.post("/auth/register", data=form)
    rng = random.Random(15)
    for _ in range(args.entries):
        stage, prompt = rng.choice(questions)
        text = " ".join(rng.choice(WORDS) for _ in range(60))
        form = {"stage": stage, "prompt": prompt, "client_id": str(uuid.uuid4()), "text": text}
        assert client.post("/api/entries", data=form).status_code == 201
    with app.app_context():  # spread over a year, so that the page has many days
        now = datetime.now(UTC)
        for entry_id in db.session.scalars(db.select(Entry.id)):
            when = now - timedelta(minutes=rng.randrange(365 * 24 * 60))
            db.session.execute(update(Entry).where(Entry.id == entry_id).values(created_at=when))
        db.session.commit()
    client.put("/api/preferences", json={"timeZone": "Europe/Paris"})
    stage, prompt = questions[0]

    def get(url: str) -> Callable[[], None]:
        def load() -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return load

    print(f"{args.entries} answers over {len(questions)} questions; ms as p50 / p95")
    runs = [
        ("journal page", "/journal", args.loads),
        ("a question's history", f"/journal/questions/{stage}/{prompt}", args.loads),
        ("workbook, whole program, HTML", "/journal/export?format=html", args.exports),
        ("workbook, whole program, PDF", "/journal/export?format=pdf", args.exports),
    ]
    for label, url, loads in runs:
        p50, p95 = percentiles(loads, get(url))
        size = len(client.get(url).data)
        print(f"{label} ({loads} loads, {size / 1024:.0f} KiB): {p50:.0f} / {p95:.0f}")


if __name__ == "__main__":
    main()
