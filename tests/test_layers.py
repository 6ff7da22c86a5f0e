"""The package's structure: the import-linter contracts of pyproject.toml, and no import cycle.

The layers, and the rule of each folder, are described in docs/design.md ("Layers"). The
contracts live in ``[tool.importlinter]`` of pyproject.toml; ``lint-imports`` runs them
(``pip install -e .[dev]`` brings import-linter). The cycle check counts every import: at module
level, inside functions and under ``TYPE_CHECKING`` (an import moved into a function still ties
two modules); it is /work/shared/tools/import_cycles.py's rule, on two graphs: the one built from
the source here, and grimp's (import-linter's graph), so a difference between them cannot hide one.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "flask_ocpi"


def test_import_contracts_are_kept() -> None:
    env = {**os.environ, "NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "200"}
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())",
            "--no-cache",
            "--no-logo",
            "pyproject.toml",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = run.stdout + run.stderr
    assert "No module named 'importlinter'" not in report, "import-linter is missing: pip install -e .[dev]"
    assert run.returncode == 0, f"import contracts broken (lint-imports exit {run.returncode}):\n{report}"


def _source_modules() -> dict[str, Path]:
    """Every module of the package, by dotted name (a package by its own name)."""
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        modules[name.removesuffix(".__init__")] = path
    return modules


def _counted(importer: str, imported: str | None) -> bool:
    # A module importing one of its own packages (the package's face) is not counted.
    return imported is not None and imported != importer and not importer.startswith(imported + ".")


def _source_graph() -> dict[str, set[str]]:
    """import_cycles.py's graph: every Import/ImportFrom node anywhere in a module, resolved to
    the longest module name it names; ``from a import b`` counts ``a`` and, if a module, ``a.b``."""
    modules = _source_modules()

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package
                    for _ in range(node.level - 1):
                        base = base.rpartition(".")[0]
                    source = f"{base}.{node.module}" if node.module else base
                else:
                    source = node.module or ""
                targets = [f"{source}.{alias.name}" for alias in node.names] + [source]
            for target in targets:
                imported = resolve(target)
                if imported is not None and _counted(name, imported):
                    edges[name].add(imported)
    return edges


def _grimp_graph() -> dict[str, set[str]]:
    import grimp

    graph = grimp.build_graph("flask_ocpi", cache_dir=None, exclude_type_checking_imports=False)
    return {
        name: {imported for imported in graph.find_modules_directly_imported_by(name) if _counted(name, imported)}
        for name in graph.modules
    }


def _cycles(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        work = [(start, iter(sorted(edges[start])))]
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in edges:
                    continue
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(edges[successor]))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    return sorted(components)


def _shortest_loop(edges: Mapping[str, set[str]], members: set[str], start: str) -> list[str]:
    """The shortest import loop from ``start`` back to it inside one cycle (breadth first)."""
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for imported in sorted(edges[node] & members):
                if imported == start:
                    loop = [node]
                    while loop[-1] != start:
                        loop.append(came_from[loop[-1]])
                    return [start, *reversed(loop[:-1]), start]
                if imported not in came_from:
                    came_from[imported] = node
                    following.append(imported)
        frontier = following
    return [start]


def _describe(edges: Mapping[str, set[str]], components: list[list[str]], shown: int = 12) -> str:
    """Each cycle's modules and its shortest loops (``a -> b -> a``): cut one import of each."""
    lines = []
    for component in components:
        members = set(component)
        loops = {tuple(_shortest_loop(edges, members, member)) for member in component}
        unique: dict[frozenset[tuple[str, str]], tuple[str, ...]] = {}
        for loop in sorted(loops, key=lambda loop: (len(loop), loop)):
            unique.setdefault(frozenset(pairwise(loop)), loop)
        lines.append(f"cycle of {len(component)} modules: {', '.join(component)}")
        lines.extend("  " + " -> ".join(loop) for loop in list(unique.values())[:shown])
        if len(unique) > shown:
            lines.append(f"  ... {len(unique) - shown} more loops")
    return "\n".join(lines)


def test_cycle_finder_finds_cycles() -> None:
    edges = {"a": {"b"}, "b": {"c", "a"}, "c": {"a"}, "d": {"a"}, "e": {"e"}, "f": {"g"}, "g": {"f"}}
    assert _cycles(edges) == [["a", "b", "c"], ["f", "g"]]
    report = _describe(edges, _cycles(edges))
    assert "  a -> b -> a" in report
    assert "  f -> g -> f" in report


def test_no_import_cycle() -> None:
    edges = _source_graph()
    assert len(edges) > 100  # the whole package was read
    components = _cycles(edges)
    modules = sum(map(len, components))
    assert not components, f"{len(components)} import cycles ({modules} modules):\n{_describe(edges, components)}"


def test_no_import_cycle_in_grimps_graph() -> None:
    edges = _grimp_graph()
    assert "flask_ocpi.extension" in edges
    components = _cycles(edges)
    modules = sum(map(len, components))
    assert not components, f"{len(components)} import cycles ({modules} modules):\n{_describe(edges, components)}"
