"""What separately released packages may import from each other, and buffer-core's import graph."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ROOT / "packages"


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth (TYPE_CHECKING and function bodies too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _module_name(path: Path, src: Path) -> str:
    parts = path.relative_to(src).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_implementations_import_nothing_private_from_buffer_core() -> None:
    """buffer-cpu and buffer-gpu use buffer_core's public modules only (buffer_core.implementing)."""
    private = []
    for package in ("buffer-cpu", "buffer-gpu"):
        for path in sorted((PACKAGES / package / "src").rglob("*.py")):
            for name in _imports(path):
                parts = name.split(".")
                if parts[0] == "buffer_core" and any(p.startswith("_") for p in parts[1:]):
                    private.append(f"{path.relative_to(ROOT)}: {name}")
    assert private == []


def test_buffer_core_has_no_import_cycle() -> None:
    """No module of buffer_core imports, directly or not, a module that imports it back."""
    src = PACKAGES / "buffer-core" / "src"
    modules = {_module_name(path, src): path for path in src.rglob("*.py")}
    graph = {
        name: {imported for imported in _imports(path) if imported in modules and imported != name}
        for name, path in modules.items()
    }
    cycles = []

    def visit(name: str, trail: list[str]) -> None:
        for imported in sorted(graph[name]):
            if imported in trail:
                cycles.append(" -> ".join([*trail[trail.index(imported) :], imported]))
            elif len(trail) < len(graph):
                visit(imported, [*trail, imported])

    for name in sorted(graph):
        visit(name, [name])
    assert sorted(set(cycles)) == []
