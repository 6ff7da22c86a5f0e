"""The deprecated import paths of the 0.1.0 restructure: each still works for one release.

Each old path is an alias module re-exporting the new module's names; importing it warns once
with a ``DeprecationWarning`` that names the new path and points at the importing line. Nothing
of ours (the package, the tests, the example app, the benchmarks) imports an alias.
"""

from __future__ import annotations

import ast
import re
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from flask_ocpi.util.deprecation import REMOVED_IN

ROOT = Path(__file__).resolve().parent.parent

#: old path -> new path. The new module of ``flask_ocpi.client.errors`` is ``flask_ocpi.exceptions``,
#: which has more names than the client errors: that alias lists its own.
ALIASES = {
    "flask_ocpi.auth": "flask_ocpi.transport.auth",
    "flask_ocpi.backends.memory": "flask_ocpi.stores.memory",
    "flask_ocpi.backends.sqlalchemy": "flask_ocpi.stores.sqlalchemy",
    "flask_ocpi.client.errors": "flask_ocpi.exceptions",
    "flask_ocpi.client.http": "flask_ocpi.transport.http",
    "flask_ocpi.commands": "flask_ocpi.modules.commands",
    "flask_ocpi.dispatch": "flask_ocpi.outbound.dispatch",
    "flask_ocpi.envelope": "flask_ocpi.transport.envelope",
    "flask_ocpi.merge": "flask_ocpi.stores.merge",
    "flask_ocpi.push": "flask_ocpi.outbound.push",
    "flask_ocpi.registration": "flask_ocpi.modules.credentials",
    "flask_ocpi.secrets": "flask_ocpi.stores.secrets",
    "flask_ocpi.sweeper": "flask_ocpi.modules.commands.sweeper",
    "flask_ocpi.sync": "flask_ocpi.outbound.sync",
}


def _module(name: str) -> ModuleType:
    """The module ``name``, imported without warning if it was not yet."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        __import__(name)
    return sys.modules[name]


def _import_afresh(name: str) -> ModuleType:
    """Import ``name`` as a host's first import of it would (its module code runs again)."""
    sys.modules.pop(name, None)
    # The builtin __import__ adds no Python frame, so the warning points at this line.
    __import__(name)  # the import line
    return sys.modules[name]


def _alias_files() -> set[Path]:
    files = set()
    for old in ALIASES:
        path = ROOT.joinpath(*old.split("."))
        files.add(path / "__init__.py" if path.is_dir() else path.with_suffix(".py"))
    return files


def test_each_alias_is_a_file_at_its_old_path_shadowing_nothing() -> None:
    for path in _alias_files():
        assert path.is_file(), path
    for old in ALIASES:
        # A module flask_ocpi/x.py and a package flask_ocpi/x/ would be one dotted name.
        path = ROOT.joinpath(*old.split("."))
        assert not (path.is_dir() and path.with_suffix(".py").exists()), old
        assert _module(old).__name__ == old


@pytest.mark.parametrize("old", sorted(ALIASES))
def test_alias_warns_naming_the_new_path_at_the_importer(old: str) -> None:
    new = ALIASES[old]
    with pytest.warns(DeprecationWarning, match=rf"^{re.escape(old)} is deprecated .* {re.escape(new)} ") as record:
        _import_afresh(old)
    ours = [w for w in record if issubclass(w.category, DeprecationWarning) and old in str(w.message)]
    assert len(ours) == 1, [str(w.message) for w in record]
    assert REMOVED_IN in str(ours[0].message)
    assert Path(ours[0].filename) == Path(__file__), ours[0].filename  # the importer, not the alias
    assert "# the import line" in Path(__file__).read_text().splitlines()[ours[0].lineno - 1]


@pytest.mark.parametrize("old", sorted(ALIASES))
def test_alias_warns_once(old: str) -> None:
    with pytest.warns(DeprecationWarning):
        _import_afresh(old)
    with warnings.catch_warnings(record=True) as again:
        warnings.simplefilter("always")
        __import__(old)
        exec(f"from {old} import *", {})
    assert [str(w.message) for w in again if old in str(w.message)] == []


@pytest.mark.parametrize("old", sorted(ALIASES))
def test_alias_gives_the_objects_of_the_new_path(old: str) -> None:
    with pytest.warns(DeprecationWarning):
        alias = _import_afresh(old)
    new = _module(ALIASES[old])
    names = alias.__all__
    assert names, old
    assert len(set(names)) == len(names)
    for name in names:
        assert getattr(alias, name) is getattr(new, name), f"{old}.{name} is not {new.__name__}.{name}"
    if old != "flask_ocpi.client.errors" and hasattr(new, "__all__"):
        assert sorted(names) == sorted(new.__all__)  # taken from the new module, not copied
    star: dict[str, object] = {}
    exec(f"from {old} import *", star)
    star.pop("__builtins__")
    assert star == {name: getattr(new, name) for name in names}


def test_client_errors_alias_keeps_the_client_errors() -> None:
    with pytest.warns(DeprecationWarning):
        alias = _import_afresh("flask_ocpi.client.errors")
    from flask_ocpi.exceptions import PartnerError

    for name in alias.__all__:
        value = getattr(alias, name)
        assert not isinstance(value, type) or issubclass(value, Exception), name
    assert alias.PartnerError is PartnerError


def _our_python_files() -> Iterator[Path]:
    skip = _alias_files() | {Path(__file__).resolve()}
    for folder in ("flask_ocpi", "tests", "example_app", "benchmarks"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.resolve() not in skip:
                yield path


def _imported_names(text: str, package: str) -> Iterator[tuple[int, str]]:
    """The dotted names a module (of ``package``) imports or names in a string (``mock.patch("a.b.c")``,
    code in strings): every ``import a.b``, ``from a import b`` (``a`` and ``a.b``), relative ones resolved."""
    code_in_text = re.compile(r"(?:^|[\s;])(?:from|import)\s+([\w.]+)")
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            yield node.lineno, source
            for alias in node.names:
                yield node.lineno, f"{source}.{alias.name}"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if re.fullmatch(r"[\w.]+", node.value):
                yield node.lineno, node.value
            for match in code_in_text.finditer(node.value):
                yield node.lineno, match.group(1)


def test_nothing_of_ours_imports_an_alias() -> None:
    found = []
    for path in _our_python_files():
        package = ".".join(path.relative_to(ROOT).parts[:-1])
        for line, name in _imported_names(path.read_text(encoding="utf-8"), package):
            for old in ALIASES:
                if name == old or name.startswith(old + "."):
                    found.append(f"{path.relative_to(ROOT)}:{line}: {name} (use {ALIASES[old]})")
    assert not found, "deprecated import paths in use:\n" + "\n".join(sorted(set(found)))


def test_the_scan_sees_alias_imports() -> None:
    text = (
        "import flask_ocpi.push\n"
        "from flask_ocpi.backends import memory\n"
        "from .. import auth\n"
        'patch("flask_ocpi.secrets.EncryptedPartnerStore")\n'
        'SETUP = "import sys; from flask_ocpi.envelope import json_text"\n'
    )
    names = {name for _, name in _imported_names(text, "flask_ocpi.client")}
    expected = {
        "flask_ocpi.push",
        "flask_ocpi.backends.memory",
        "flask_ocpi.auth",
        "flask_ocpi.secrets.EncryptedPartnerStore",
        "flask_ocpi.envelope",
    }
    assert expected <= names
