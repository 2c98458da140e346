"""Imports point down only: the layers of DESIGN.md, and no import circle in src/actlab.

Every `import` is read from the source (module level and inside functions alike: a lazy import
is still a dependency), so a circle cannot hide behind a function-level import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "actlab"

# package -> the actlab packages its modules may import (itself always allowed)
_CORE = (
    "actlab._version",
    "actlab.catalog",
    "actlab.expr",
    "actlab.kernels",
    "actlab.modules",
    "actlab.factory",
)
LAYERS = {
    "actlab._version": (),
    "actlab.catalog": (),
    "actlab.functional": ("actlab.catalog",),
    "actlab.expr": ("actlab.catalog",),
    "actlab.kernels": ("actlab.catalog",),
    "actlab.modules": ("actlab.catalog", "actlab.kernels"),
    "actlab.factory": ("actlab.catalog", "actlab.expr", "actlab.kernels"),
    "actlab.adaptive": ("actlab.catalog",),
    "actlab.report.catalogue": ("actlab.catalog", "actlab.kernels"),
    "actlab.diagnose": _CORE,
    "actlab.data": _CORE,
    "actlab.models": _CORE,
    "actlab.train": (*_CORE, "actlab.data", "actlab.models"),
    "actlab.experiments": (
        *_CORE,
        "actlab.adaptive",
        "actlab.diagnose",
        "actlab.data",
        "actlab.models",
        "actlab.train",
    ),  # fmt: skip
    "actlab.report.experiment": (*_CORE, "actlab.experiments", "actlab.report.catalogue"),
    "actlab.comparison": ("actlab.experiments", "actlab.report.experiment"),
    "actlab.search": (
        *_CORE,
        "actlab.data",
        "actlab.models",
        "actlab.train",
        "actlab.experiments",
        "actlab.report.catalogue",
        "actlab.report.experiment",
    ),
    "actlab.advise": (
        *_CORE,
        "actlab.data",
        "actlab.diagnose",
        "actlab.experiments",
        "actlab.comparison",
        "actlab.report.experiment",
    ),  # fmt: skip
}

# Circles still to be removed (none): listed so that no new one can appear unnoticed, and the
# list must shrink when one goes.
KNOWN_CIRCLES: set[tuple[str, ...]] = set()


def _modules() -> dict[str, Path]:
    out = {}
    for path in SRC.rglob("*.py"):
        parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The actlab modules `name` imports, anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("actlab")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            if base.startswith("actlab"):
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    found.add(sub if sub in MODULES else base)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _circles() -> set[tuple[str, ...]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: set[tuple[str, ...]] = set()

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.add(tuple(sorted(component)))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return out


def test_no_import_circle_beyond_the_known_ones():
    circles = _circles()
    assert circles - KNOWN_CIRCLES == set(), "new import circle(s)"
    assert KNOWN_CIRCLES - circles == set(), "a known circle is gone: remove it from the list"


def _layer(module: str) -> str | None:
    matches = [p for p in LAYERS if module == p or module.startswith(p + ".")]
    return max(matches, key=len) if matches else None


@pytest.mark.parametrize("package", list(LAYERS))
def test_layer_imports_only_the_layers_below(package):
    allowed = (package, *LAYERS[package])
    bad = {
        (name, target)
        for name, targets in GRAPH.items()
        if _layer(name) == package
        for target in targets
        if not any(target == a or target.startswith(a + ".") for a in allowed)
        and target != "actlab"  # the top-level package itself is never imported from below
    }
    assert not bad, f"{package} imports from above: {sorted(bad)}"
    assert not any("actlab" in GRAPH[name] for name in GRAPH if _layer(name) == package), (
        f"{package} imports the top-level actlab package"
    )


def test_the_graph_sees_lazy_imports():
    # kernels/modules.py imports the catalogue at module level and report/catalogue/docs.py the
    # kernels: both edges must be found, and a function-level import is read the same way.
    assert "actlab.catalog.module" in GRAPH["actlab.kernels.modules"]
    assert "actlab.kernels" in GRAPH["actlab.report.catalogue.docs"]
    assert "actlab.experiments.store" in GRAPH["actlab.cli.catalog"]  # inside _plot_run
