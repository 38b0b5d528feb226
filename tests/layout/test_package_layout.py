"""The package's shape: no import cycle between its modules, and no module too long to read in one sitting."""

from __future__ import annotations

import ast
from pathlib import Path

import imagecontract

PACKAGE = Path(imagecontract.__file__).parent
MAX_LINES = 350


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(name: str, path: Path) -> set[str]:
    """The package's modules that `name` imports anywhere in it (in functions too), with the packages whose
    `__init__` that runs, except its own package's."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            targets.update(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names)
    edges = set()
    for target in targets:
        parts = target.split(".")
        for end in range(2, len(parts) + 1):
            ancestor = ".".join(parts[:end])
            if ancestor in MODULES and ancestor != name and not (name + ".").startswith(ancestor + "."):
                edges.add(ancestor)
    return edges


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as the list of modules along it (first repeated at the end), or None."""
    state: dict[str, str] = {}
    trail: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node], _ = "open", trail.append(node)
        for successor in sorted(graph[node]):
            if state.get(successor) == "open":
                return trail[trail.index(successor):] + [successor]
            if successor not in state:
                found = visit(successor)
                if found:
                    return found
        state[node], _ = "done", trail.pop()
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def test_the_walk_sees_imports_inside_functions_and_finds_a_cycle() -> None:
    assert "imagecontract.pytest.keys" in imported("imagecontract.pytest.report_hooks", MODULES["imagecontract.pytest.report_hooks"])
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle() -> None:
    graph = {name: imported(name, path) for name, path in MODULES.items()}
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_module_over_the_limit() -> None:
    long = {name: lines for name, path in MODULES.items() if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}, f"split these along their jobs (at most {MAX_LINES} lines each): {long}"


def test_the_plugin_is_imported_only_by_the_pytest_wiring() -> None:
    users = [name for name, path in MODULES.items()
             if "imagecontract.pytest.plugin" in imported(name, path) and not name.startswith("imagecontract.pytest")]
    assert users == []
