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


def _tag_libraries() -> dict[str, str]:
    """{template tag library: the app that defines it} for the apps of the portal."""
    return {
        path.stem: app for app in APPS for path in (ROOT / app / "templatetags").glob("*.py") if path.stem != "__init__"
    }


@pytest.mark.parametrize("app", APPS)
def test_an_apps_templates_load_only_tags_of_what_lies_below_them(app):
    """A page shows another app's data through a hook that the other app fills (e.g. cooperations.related), never by
    loading a tag library of an app above it."""
    import re

    libraries = _tag_libraries()
    wrong = {}
    for path in (ROOT / "templates" / app).rglob("*.html"):
        for names in re.findall(r"{%\s*load\s+([^%]+?)\s*%}", path.read_text()):
            owners = {libraries[name] for name in names.split() if name in libraries} - {app}
            if owners - ALLOWED[app]:
                wrong[str(path.relative_to(ROOT))] = sorted(owners - ALLOWED[app])
    assert wrong == {}


def test_the_api_router_finds_every_apps_api_module_in_the_order_of_installed_apps():
    """No hand-kept list: every app with an `api/urls.py` is on the router (itvsh_portal.api.api_modules)."""
    from django.conf import settings

    from itvsh_portal.api import api_modules, router

    on_disk = {path.parent.parent.name for path in ROOT.glob("*/api/urls.py")}
    found = [module.__name__ for module in api_modules()]
    assert found == [f"{app}.api.urls" for app in settings.INSTALLED_APPS if app in on_disk]
    assert found == [
        "organisations.api.urls",
        "cooperations.api.urls",
        "ozg_monitoring.api.urls",
        "federal.api.urls",
        "funding.api.urls",
    ]
    prefixes = [prefix for prefix, _viewset, _basename in router.registry]
    assert prefixes[0] == "organisations" and "cooperations/agreements" in prefixes and "funding/drawdowns" in prefixes
