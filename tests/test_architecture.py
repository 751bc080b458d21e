"""The dependency rule: domain imports nothing of ours but domain; adapters stay outside."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "turnus"

# layer -> layers of ours it must not import
FORBIDDEN = {
    "domain": (
        "turnus.services",
        "turnus.store",
        "turnus.documents",
        "turnus.api",
        "turnus.cli",
        "turnus.config",
    ),
    "store": ("turnus.services", "turnus.api", "turnus.cli"),
    "documents": ("turnus.services", "turnus.store", "turnus.api", "turnus.cli"),
    "services": ("turnus.api", "turnus.cli"),
    "api": ("turnus.store.tables", "turnus.store.scope", "turnus.cli"),
}
DOMAIN_FORBIDDEN_LIBRARIES = ("sqlalchemy", "fastapi", "pydantic", "starlette", "typer", "psycopg")


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layers_depend_inward(layer: str) -> None:
    for path in (PACKAGE / layer).rglob("*.py"):
        for name in imports_of(path):
            assert not name.startswith(FORBIDDEN[layer]), f"{path.name} imports {name}"


def test_domain_is_framework_free() -> None:
    for path in (PACKAGE / "domain").rglob("*.py"):
        for name in imports_of(path):
            assert not name.startswith(DOMAIN_FORBIDDEN_LIBRARIES), f"{path.name} imports {name}"
            assert "datetime.now" not in path.read_text()


def test_business_code_never_reads_the_system_time() -> None:
    allowed = {PACKAGE / "services" / "wall_clock.py"}
    for path in PACKAGE.rglob("*.py"):
        if path in allowed:
            continue
        text = path.read_text()
        for call in ("datetime.now(", "date.today(", "datetime.utcnow(", "time.time("):
            assert call not in text, f"{path.relative_to(PACKAGE)} calls {call}"
