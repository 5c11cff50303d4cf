"""Audit the locked dependencies for known vulnerabilities with pip-audit, and never pass
silently when the audit could not be done.

pip-audit asks a vulnerability service (PyPI's JSON API, or OSV). Where that service cannot
be reached, pip-audit marks every package "could not be audited" and still says "No known
vulnerabilities found" with exit status 0. This script reads its JSON instead and says
plainly what was and was not checked.

Exit status: 0 when every package was audited and none is vulnerable; 1 when a package has a
known vulnerability; 2 when some packages could not be audited (the service unreachable), or
0 for that case too with `--offline-ok` (CI on a machine without internet), after a banner.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def audit(requirements: Path) -> dict:
    """pip-audit's JSON report for a hashed requirements file (no install, no resolution)."""
    result = subprocess.run(
        [
            sys.executable, "-m", "pip_audit", "--requirement", str(requirements),
            "--require-hashes", "--disable-pip", "--progress-spinner", "off", "--format", "json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError:
        sys.stderr.write(result.stderr)
        raise SystemExit(f"pip-audit gave no report (exit {result.returncode})") from None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("requirements", nargs="?", default=str(ROOT / "requirements.lock"))
    parser.add_argument(
        "--offline-ok",
        action="store_true",
        help="exit 0 (after a warning) when the vulnerability service cannot be reached",
    )
    args = parser.parse_args()
    report = audit(Path(args.requirements))
    packages = report.get("dependencies", [])
    skipped = [p for p in packages if p.get("skip_reason")]
    vulnerable = [p for p in packages if p.get("vulns")]
    for package in vulnerable:
        ids = ", ".join(v["id"] for v in package["vulns"])
        print(f"VULNERABLE {package['name']} {package.get('version', '')}: {ids}")
    audited = len(packages) - len(skipped)
    print(f"pip-audit: {audited} of {len(packages)} packages audited, {len(vulnerable)} vulnerable")
    if vulnerable:
        return 1
    if skipped:
        print(
            "\n" + "!" * 78 + f"\nDEPENDENCIES NOT AUDITED: {len(skipped)} of {len(packages)} "
            "packages could not be checked\n(is the vulnerability service reachable? first: "
            f"{skipped[0]['name']}: {skipped[0]['skip_reason']})\n" + "!" * 78
        )
        return 0 if args.offline_ok else 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
