#!/usr/bin/env python3
"""Render every part of the program into the narration cache (same as `flask pregenerate`)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    """Build the app from the environment and pregenerate its narration."""
    from voiceguide import create_app
    from voiceguide.cli import pregenerate_all

    counts = pregenerate_all(create_app())
    print(f"{counts['made']} made, {counts['skipped']} already cached, {counts['seconds']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
