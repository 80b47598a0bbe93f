"""Project-level pages: home, legal pages and the health check."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

logger = logging.getLogger(__name__)


class HomeView(TemplateView):
    template_name = "home.html"


class LegalPageView(TemplateView):
    """Impressum, Datenschutz, Barrierefreiheit, Leichte Sprache: one template each under templates/legal/."""


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_cache() -> str:
    cache.set("healthz", "ok", 5)
    return "ok" if cache.get("healthz") == "ok" else "fehlerhaft"


def _check_broker() -> str:
    from itvsh_portal.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


@never_cache
@require_GET
def healthz(request):
    """200 with the state of each dependency; 503 when the database cannot be reached.

    Cache and broker problems are reported but only the database decides the status code: without them
    the portal still serves its pages (reads fall back to the database, tasks are retried)."""
    checks = {"database": _check_database, "cache": _check_cache}
    if settings.CELERY_BROKER_URL:
        checks["broker"] = _check_broker
    result, healthy = {}, True
    for name, check in checks.items():
        try:
            result[name] = {"status": check()}
        except Exception as exc:  # noqa: BLE001 - every failure of a dependency is reported, none raised
            logger.warning("healthz: %s unreachable: %s", name, exc.__class__.__name__)
            result[name] = {"status": "nicht erreichbar", "error": exc.__class__.__name__}
            if name == "database":
                healthy = False
    if not settings.CELERY_BROKER_URL:
        result["broker"] = {"status": "nicht konfiguriert (Aufgaben laufen synchron)"}
    return JsonResponse(
        {"status": "ok" if healthy else "gestört", "dependencies": result}, status=200 if healthy else 503
    )
