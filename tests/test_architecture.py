"""The layout's rules (ARCHITECTURE.md), checked on every run.

The import rules are import-linter contracts in pyproject.toml; the rest (no cycles,
short modules, declared dependencies, SQL only in storage) are checked here on the
same import graph (grimp, import-linter's own), lazy imports inside functions included.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "reader"
MAX_LINES = 500
# Imported inside `try: ... except ImportError` only, never required: a miss recorded
# in sys.modules (see ingest/fetch.py's start-up note).
OPTIONAL_IMPORTS = {"sniffio"}
SQL = re.compile(
    r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA|BEGIN|COMMIT|ROLLBACK"
    r"|SAVEPOINT|RELEASE|WITH|VACUUM|ANALYZE)\b"
    r"|\b(SELECT\s.+\sFROM|INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+\w+\s+SET)\b",
    re.S,
)


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("reader", include_external_packages=True,
                             exclude_type_checking_imports=True, cache_dir=None)


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "0 broken" in out.stdout


def test_no_import_cycles(graph):
    """Tarjan's strongly connected components over reader's own modules."""
    ours = sorted(m for m in graph.modules if m == "reader" or m.startswith("reader."))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(start: str) -> None:  # iterative: no recursion limit to meet
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if not nxt.startswith("reader"):
                    continue
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph.find_modules_directly_imported_by(nxt)))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        m = stack.pop()
                        on_stack.discard(m)
                        component.append(m)
                        if m == node:
                            break
                    if len(component) > 1:
                        cycles.append(sorted(component))

    for module in ours:
        if module not in index:
            visit(module)
    assert not cycles, f"import cycles: {cycles}"


def test_modules_are_short():
    long = {str(p.relative_to(ROOT)): n for p in _sources()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines (two ideas in one file?): {long}"


def _declared() -> dict[str, str]:
    """Declared dependencies (runtime and test extras): normalised name -> specifier."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        specs += extra
    out = {}
    for spec in specs:
        name = re.split(r"[\s\[<>=!~;]", spec, maxsplit=1)[0]
        out[re.sub(r"[-_.]+", "-", name).lower()] = spec
    return out


def test_third_party_imports_are_declared_and_bounded(graph):
    declared = _declared()
    for name, spec in declared.items():
        assert re.search(r"<\s*\d", spec), f"{spec!r}: bound it to its major version (<N)"
    external = {m.split(".")[0] for m in graph.modules if not m.startswith("reader")}
    third_party = external - set(sys.stdlib_module_names) - OPTIONAL_IMPORTS
    providers = packages_distributions()
    missing = {}
    for module in sorted(third_party):
        dists = {re.sub(r"[-_.]+", "-", d).lower() for d in providers.get(module, [module])}
        if not dists & declared.keys():
            missing[module] = sorted(dists)
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def test_sql_only_in_storage():
    found = []
    for path in _sources():
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith("core/storage/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and id(node) not in docs and SQL.search(node.value)):
                found.append(f"{rel}:{node.lineno}: {node.value[:60]!r}")
    assert not found, "SQL outside reader/core/storage/:\n" + "\n".join(found)


def test_the_sql_check_sees_sql():
    """The check above must be able to fail."""
    assert SQL.search("SELECT id FROM feeds")
    assert SQL.search("a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)")
    assert SQL.search("SAVEPOINT feed")
    assert not SQL.search("Select a feed from the list")
    assert not SQL.search("update the feed's settings")
