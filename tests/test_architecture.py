"""The package's layout rules (issue 13): who may import the pipeline, no import cycles.

Read from the source with :mod:`ast` (nothing of parakou_geo is imported for that), and checked
at run time by importing every module first thing in a fresh interpreter.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "parakou_geo"

#: The only modules that may import the pipeline (it orchestrates the first build).
PIPELINE_IMPORTERS = {"parakou_geo", "parakou_geo.cli"}
#: The longest a module may be (issue 13).
MAX_LINES = 500


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _target(node: ast.Import | ast.ImportFrom, module: str) -> list[str]:
    """The parakou_geo modules an import statement names."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        base = node.module or ""
        if node.level:  # relative import
            here = module.split(".") if _is_package(module) else module.split(".")[:-1]
            base = ".".join(here[: len(here) - node.level + 1] + ([base] if base else []))
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                 for a in node.names]
    out = []
    for name in names:
        while name and name not in MODULES:  # `import parakou_geo.x.y` names x.y's module
            name = name.rpartition(".")[0]
        if name.startswith("parakou_geo"):
            out.append(name)
    return out


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _top_level_imports(module: str) -> set[str]:
    """parakou_geo modules imported when ``module`` is imported (not in functions, not for
    type checkers), with the packages that importing them runs first."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                found.update(_target(node, module))
            elif isinstance(node, ast.If) and not _type_checking(node):
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)
                visit(node.orelse)
                visit(node.finalbody)

    visit(tree.body)
    out = found - {module}
    for name in found:
        parts = name.split(".")
        for i in range(1, len(parts)):
            dep = ".".join(parts[:i])
            # importing a.b.c runs a and a.b first; a module's own packages are already
            # running when it is imported, so only the others are edges
            if dep in MODULES and dep != module and not module.startswith(dep + "."):
                out.add(dep)
    return out


def _all_imports(module: str) -> set[str]:
    """Every parakou_geo module named by an import anywhere in ``module`` (even in functions
    or for type checkers)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    return {t for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)
            for t in _target(node, module)}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Return one cycle of ``graph`` (a list of modules, first = last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (found := walk(nxt)) is not None:
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := walk(node)) is not None:
            return found
    return None


def _libraries() -> list[str]:
    """Modules other than parakou_geo's that the package imports anywhere."""
    found: set[str] = set()
    for path in MODULES.values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module)
    return sorted(n for n in found if not n.startswith("parakou_geo"))


def test_the_scan_sees_imports_and_cycles() -> None:
    """The checks below would see a cycle and a pipeline import (they are not vacuous)."""
    names = _top_level_imports("parakou_geo.names")
    assert "parakou_geo.register._transaction" in names
    assert "parakou_geo.register" in names  # its package
    assert "parakou_geo.pipeline" in _all_imports("parakou_geo.cli.address")
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
    assert len(MODULES) > 80


def test_only_the_cli_and_the_package_import_the_pipeline() -> None:
    importers = {m for m in MODULES if m != "parakou_geo.pipeline"
                 and "parakou_geo.pipeline" in _all_imports(m)}
    allowed = {m for m in importers
               if any(m == a or (m.startswith(a + ".") and a != "parakou_geo")
                      for a in PIPELINE_IMPORTERS)}
    assert importers <= allowed, sorted(importers - allowed)


def test_no_import_cycles_among_top_level_imports() -> None:
    graph = {m: _top_level_imports(m) for m in MODULES}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_every_module_imports_first_in_a_fresh_interpreter() -> None:
    """Each module is the first parakou_geo module imported in its own process (forked from
    one that has loaded only third-party libraries), so an import that works only after
    another module was loaded fails here."""
    script = textwrap.dedent("""
        import importlib, os, sys
        libs, names = sys.argv[1].split(), sys.argv[2:]
        for lib in libs:
            try:
                importlib.import_module(lib)
            except Exception:
                pass
        failed = []
        for name in names:
            pid = os.fork()
            if pid == 0:
                try:
                    importlib.import_module(name)
                except BaseException as exc:
                    print(f"{name}: {type(exc).__name__}: {exc}", file=sys.stderr)
                    os._exit(1)
                os._exit(0)
            _, status = os.waitpid(pid, 0)
            if status != 0:
                failed.append(name)
        print(" ".join(failed))
    """)
    names = sorted(m for m in MODULES if not m.endswith("__main__"))  # those run a program
    proc = subprocess.run([sys.executable, "-c", script, " ".join(_libraries()), *names],
                          capture_output=True,
                          text=True, check=False, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "", proc.stderr


def test_no_module_is_over_500_lines() -> None:
    long = {m: n for m, path in MODULES.items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, long
