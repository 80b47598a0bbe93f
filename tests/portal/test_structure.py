"""The shape of the code: `common/` imports no app of the portal, and the apps' dependencies point one way."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("organisations", "accounts", "cooperations", "ozg_monitoring", "federal", "funding", "opendata", "audit")


def _imported_packages(path: Path) -> set[str]:
    """The top-level packages a module imports (at module level and inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("path", sorted((ROOT / "common").rglob("*.py")), ids=lambda p: p.name)
def test_common_imports_no_app_and_not_the_project_package(path):
    assert _imported_packages(path) & {*APPS, "itvsh_portal"} == set()


#: Which app may import which (the register below everything, accounts above it, the domain apps beside each other
#: reading only through foreign keys, opendata and audit reading all): what ARCHITECTURE.md draws.
ALLOWED = {
    "organisations": set(),
    "accounts": {"organisations"},
    "audit": {"accounts"},
    "cooperations": {"organisations", "accounts", "audit"},
    "ozg_monitoring": {"organisations", "accounts", "audit"},
    # the federal dashboard's records beside our statuses: reads the register and the catalogue; nothing imports it
    "federal": {"organisations", "accounts", "audit", "ozg_monitoring"},
    "funding": {"organisations", "accounts", "audit", "cooperations"},
    "opendata": {"organisations", "accounts", "audit", "cooperations", "ozg_monitoring", "funding"},
}


@pytest.mark.parametrize("app", APPS)
def test_apps_import_only_what_lies_below_them(app):
    wrong = {}
    for path in (ROOT / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        imported = _imported_packages(path) & set(APPS) - {app}
        if imported - ALLOWED[app]:
            wrong[str(path.relative_to(ROOT))] = sorted(imported - ALLOWED[app])
    assert wrong == {}
