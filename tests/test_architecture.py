"""The arrows point one way: adapters -> domain services -> infrastructure."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "exchange"
ADAPTERS = {"api", "pages", "cli", "http"}
ADAPTER_FILES = {"app.py"}
FORBIDDEN = ("strawberry", "starlette", "jinja2", "graphql", "uvicorn", "click")


def domain_modules() -> list[Path]:
    result = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in ADAPTERS or relative.name in ADAPTER_FILES:
            continue
        result.append(path)
    return sorted(result)


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", domain_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_domain_never_imports_an_adapter(path: Path) -> None:
    bad = {
        n
        for n in imported(path)
        if n.split(".")[0] in FORBIDDEN or n.split(".")[:2] in (["exchange", a] for a in ADAPTERS)
    }
    assert bad == set()


def test_no_grab_bag_modules() -> None:
    assert [
        p for p in PACKAGE.rglob("*.py") if p.stem in {"utils", "helpers", "misc", "common"}
    ] == []
