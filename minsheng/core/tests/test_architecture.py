"""The structure docs/architecture.md promises, read from the code as text: no import cycle between
apps at module level, no module over 600 lines, one attachment model, every app with models has its
services, and few imports inside functions (they hide cycles)."""

from __future__ import annotations

import ast
from collections import defaultdict
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]  # minsheng/
MAX_LINES = 600
MAX_INNER_IMPORTS = 25


def _apps() -> list[str]:
    return sorted(p.name for p in PACKAGE.iterdir() if (p / "apps.py").exists())


def _code_files():
    """Python modules of the apps, without tests, migrations and training scripts."""
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if {"tests", "tests_engine", "migrations", "data"} & set(parts):
            continue
        yield path


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _app_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "minsheng" else None


def _module_level_edges() -> dict[str, set[str]]:
    apps = set(_apps())
    edges: dict[str, set[str]] = defaultdict(set)
    for path in _code_files():
        owner = path.relative_to(PACKAGE).parts[0]
        if owner not in apps:
            continue
        for node in _tree(path).body:
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                other = _app_of(name)
                if other in apps and other != owner:
                    edges[owner].add(other)
    return edges


def test_no_import_cycle_between_apps():
    edges = _module_level_edges()
    done: set[str] = set()

    def visit(app: str, path: tuple[str, ...]) -> None:
        assert app not in path, "import cycle between apps: " + " → ".join((*path[path.index(app):], app))
        if app in done:
            return
        for other in sorted(edges[app]):
            visit(other, (*path, app))
        done.add(app)

    for app in _apps():
        visit(app, ())


def test_no_module_over_600_lines():
    long = {str(p.relative_to(PACKAGE)): n for p in _code_files()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_one_attachment_model():
    found = []
    for path in PACKAGE.glob("*/models.py"):
        for node in _tree(path).body:
            is_model = isinstance(node, ast.ClassDef) and any(ast.unparse(b) == "models.Model" for b in node.bases)
            if is_model and ("Photo" in node.name or "Attachment" in node.name):
                found.append(f"{path.parent.name}.{node.name}")
    assert found == ["attachments.Attachment"]


def test_every_app_with_models_has_services():
    missing = []
    for app in _apps():
        models = PACKAGE / app / "models.py"
        has_models = models.exists() and any(isinstance(n, ast.ClassDef) for n in _tree(models).body)
        has_services = (PACKAGE / app / "services.py").exists() or (PACKAGE / app / "services").is_dir()
        if has_models and not has_services:
            missing.append(app)
    assert missing == []


def test_few_imports_inside_functions():
    inner = []
    for path in _code_files():
        for fn in ast.walk(_tree(path)):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.ImportFrom) and node.level == 0 and _app_of(node.module or ""):
                    inner.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
                elif isinstance(node, ast.Import) and any(_app_of(a.name) for a in node.names):
                    inner.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert len(set(inner)) <= MAX_INNER_IMPORTS, sorted(set(inner))
