"""The layout's rules, checked on the source: no import cycle inside voiceguide/, nothing
outside voiceguide/web/ imports it (but the app factory, which registers its blueprints),
and scripts never import tests."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "voiceguide"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """Every module a file imports, anywhere in it, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def graph() -> dict[str, set[str]]:
    """voiceguide's modules and the voiceguide modules each imports."""
    files = {module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}
    return {
        name: {m for m in imported(path) if m in files and m != name}
        for name, path in files.items()
    }


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_checker_sees_a_cycle_and_relative_imports(tmp_path):
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    assert "voiceguide.journal.recordings" in imported(PACKAGE / "jobs" / "transcription.py")
    assert "voiceguide.web.errors" in imported(PACKAGE / "web" / "auth.py")


def test_no_import_cycle_inside_the_package():
    assert cycles(graph()) == []


def test_nothing_outside_web_imports_web():
    offenders = {
        name: sorted(m for m in targets if m == "voiceguide.web" or m.startswith("voiceguide.web."))
        for name, targets in graph().items()
        if not name.startswith("voiceguide.web") and name != "voiceguide"
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_views_do_not_import_other_views():
    """A blueprint module may use web's shared helpers (errors, forms, urls), not another view."""
    shared = {
        "voiceguide.web",
        "voiceguide.web.errors",
        "voiceguide.web.forms",
        "voiceguide.web.limits",
        "voiceguide.web.security",
        "voiceguide.web.shapes",
        "voiceguide.web.urls",
    }
    views = {n for n in graph() if n.startswith("voiceguide.web.") and n not in shared}
    crossing = {
        name: sorted(views & targets - {name}) for name, targets in graph().items() if name in views
    }
    assert {k: v for k, v in crossing.items() if v} == {}


def test_scripts_do_not_import_tests():
    for path in (ROOT / "scripts").glob("*.py"):
        bad = {m for m in imported(path) if m == "tests" or m.startswith("tests.")}
        assert not bad, (path.name, bad)
