"""The house reads top-down: the operators' side starts the hub and the course service's
process, which are composed above the packages they serve, which stand on what every side
shares. A package never imports one above it (the course service importing peer review, which
imports the course service back, is how it was before)."""

from __future__ import annotations

import ast
from pathlib import Path

from decoder.settings import PROJECT_ROOT

# lowest first: a module may import its own layer or lower ones
LAYERS = ["decoder", "decoder.service", "decoder.peer", "decoder.dashboard", "decoder.hub",
          "decoder.course_app", "decoder.ops"]


def layer_of(module: str) -> int:
    parts = module.split(".")
    package = ".".join(parts[:2])
    return LAYERS.index(package) if package in LAYERS else 0


def imports_of(path: Path, module: str) -> set[str]:
    """Every decoder module ``path`` imports (relative imports made absolute)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module.split(".")[:-1] if path.name != "__init__.py" else module.split(".")
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            found |= {f"{target}.{alias.name}" for alias in node.names} if not node.module \
                else {target}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {name for name in found if name == "decoder" or name.startswith("decoder.")}


def modules():
    for path in sorted((PROJECT_ROOT / "decoder").rglob("*.py")):
        parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield path, ".".join(parts)


def test_no_package_imports_one_above_it():
    upward = [(module, imported) for path, module in modules()
              for imported in imports_of(path, module)
              if layer_of(imported) > layer_of(module)]
    assert upward == []


def test_the_check_sees_an_upward_import(tmp_path):
    """The check itself: the import the course service had of peer review is caught."""
    sample = tmp_path / "pagehandler.py"
    sample.write_text("from ..peer.pages import page\nfrom .rules import Refused\n")
    found = imports_of(sample, "decoder.service.pagehandler")
    assert found == {"decoder.peer.pages", "decoder.service.rules"}
    assert [name for name in found if layer_of(name) > layer_of("decoder.service.pagehandler")
            ] == ["decoder.peer.pages"]
