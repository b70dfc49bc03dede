"""The shape of the house (docs/architecture.md), checked from the source itself.

- Imports between the parts of `service/` (each package, and each top-level module) form no cycle,
  counting every import, also those inside functions; `geo/` and `media/` import nothing of `service/`
  nor each other.
- No module under `service/` is longer than 450 lines.
- Every role has one file name in every package: HTTP routers are made only in `views.py` (or a `views/`
  package), tables only in `models.py`, command groups only in `cli.py`, request and response models
  only in `schemas.py` (or a `schemas/` package) (top-level modules, such as the settings and the error
  shape, aside).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 450


def modules(package: str) -> Iterator[tuple[str, Path]]:
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path


def imported(path: Path) -> Iterator[str]:
    """Every absolute module name the file imports, anywhere in it."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def part(module: str) -> str | None:
    """The node a module belongs to: `geo`, `media`, or `service.<package or top-level module>`."""
    first, *rest = module.split(".")
    if first in ("geo", "media"):
        return first
    if first == "service" and rest:
        return f"service.{rest[0]}"
    return None


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for package in ("service", "geo", "media"):
        for name, path in modules(package):
            source = part(name)
            if source is None:
                continue
            graph[source]
            for target in filter(None, map(part, imported(path))):
                if target != source:
                    graph[source].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_between_the_parts_of_the_service() -> None:
    graph = import_graph()
    assert "service.cases" in graph and "service.photos" in graph["service.cases"]  # the graph is real
    found = cycles(graph)
    assert found == [], "import cycles: " + "; ".join(" ↔ ".join(c) for c in found)


def test_geo_and_media_stand_alone() -> None:
    graph = import_graph()
    assert graph["geo"] == set(), graph["geo"]
    assert graph["media"] == set(), graph["media"]


@pytest.mark.parametrize("name_path", list(modules("service")), ids=lambda np: np[0])
def test_every_module_reads_whole(name_path: tuple[str, Path]) -> None:
    _name, path = name_path
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines (at most {MAX_LINES})"


def _base_names(node: ast.ClassDef) -> set[str]:
    return {ast.unparse(base) for base in node.bases}


def roles(path: Path) -> set[str]:
    """What the module makes: routers, tables, command groups, request/response models."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and ast.unparse(node.func) in ("APIRouter", "fastapi.APIRouter"):
            found.add("router")
        elif isinstance(node, ast.Call) and ast.unparse(node.func) == "typer.Typer":
            found.add("cli")
        elif isinstance(node, ast.ClassDef) and _base_names(node) & {"Base"}:
            found.add("table")
        elif isinstance(node, ast.ClassDef) and _base_names(node) & {"BaseModel", "_ORM", "StrictBody"}:
            found.add("schema")
    return found


HOMES = {
    "router": lambda p: p.name == "views.py" or p.parent.name == "views",
    "cli": lambda p: p.name == "cli.py",
    "table": lambda p: p.name == "models.py",
    "schema": lambda p: p.name == "schemas.py" or p.parent.name == "schemas",
}


def test_every_role_has_its_file_name_in_every_package() -> None:
    misplaced = []
    for name, path in modules("service"):
        if path.parent == ROOT / "service":
            continue  # top-level modules: the app, settings, errors, dependencies, the CLI's root
        misplaced += [f"{name}: {role}" for role in sorted(roles(path)) if not HOMES[role](path)]
    assert misplaced == []


def test_the_role_finder_sees_each_role() -> None:
    seen = {role for _name, path in modules("service") for role in roles(path)}
    assert seen == set(HOMES)
