"""gunicorn's master loads the portal and reads what every worker needs before it forks them
(deploy/gunicorn.conf.py, itvsh_portal/warmup.py): a worker replaced after `max_requests` answers at once."""

import gc
import runpy
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.urls import URLResolver, get_resolver, reverse
from django.utils import translation

from itvsh_portal.warmup import TEMPLATE_SUFFIXES, warm_up

CONF = Path(settings.BASE_DIR) / "deploy" / "gunicorn.conf.py"


def test_the_master_preloads_the_portal_unless_turned_off(monkeypatch):
    monkeypatch.delenv("WEB_PRELOAD", raising=False)
    conf = runpy.run_path(str(CONF))
    assert conf["preload_app"] is True and callable(conf["when_ready"])
    assert conf["max_requests"] == 20000
    monkeypatch.setenv("WEB_PRELOAD", "0")
    assert runpy.run_path(str(CONF))["preload_app"] is False


def test_warm_up_compiles_every_project_template_and_leaves_no_connection_open():
    """No database access is allowed in this test (no django_db mark): the warm-up must not need one, and it leaves
    no connection for the forked workers to share."""
    templates = [
        path for path in (Path(settings.BASE_DIR) / "templates").rglob("*") if path.suffix in TEMPLATE_SUFFIXES
    ]
    assert warm_up() == {"templates": len(templates)} and len(templates) > 50
    # Django never closes SQLite's in-memory test database (it would be gone): open here after any database test.
    assert all(
        connection.connection is None or (connection.vendor == "sqlite" and connection.is_in_memory_db())
        for connection in connections.all()
    )
    assert {"admin", "api", "ozg_monitoring"} <= set(get_resolver().namespace_dict)


def test_after_the_warm_up_a_namespaced_reverse_reads_no_patterns_in_any_language(monkeypatch):
    warm_up()
    populated = []
    original = URLResolver._populate
    monkeypatch.setattr(URLResolver, "_populate", lambda self: populated.append(self) or original(self))
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for name in ("admin:index", "ozg_monitoring:dashboard", "api:ozg-status-list", "opendata:index"):
                reverse(name)
    assert populated == []


def test_when_ready_warms_up_only_with_preload(monkeypatch):
    calls = []
    monkeypatch.setattr("itvsh_portal.warmup.warm_up", lambda: calls.append(1))
    when_ready = runpy.run_path(str(CONF))["when_ready"]

    class Server:
        class cfg:  # noqa: N801 - gunicorn's attribute name
            preload_app = False

    when_ready(Server)
    assert calls == []
    Server.cfg.preload_app = True
    try:
        when_ready(Server)
        assert calls == [1]
        assert gc.get_freeze_count() > 0  # what the master read is out of the workers' collections
    finally:
        gc.unfreeze()
