"""Project-level pages: home, legal pages and the health check."""

import logging
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from common.messages import message

from .context_processors import navigation_items
from .security import wants_json

logger = logging.getLogger(__name__)


# What each section of the portal offers, shown as entry cards on the home page. A section appears only once its
# app has registered the URL (the same rule as the main navigation).
HOME_SECTIONS = {
    "organisations:search": _(
        "Alle öffentlichen Stellen in Schleswig-Holstein: Kreise, Ämter und Gemeinden mit Schlüsseln, "
        "Zuständigkeiten und Karte."
    ),
    "ozg_monitoring:lookup": _(
        "Welche Verwaltungsleistungen können Sie dort, wo Sie wohnen, schon online erledigen? Mit Link zum "
        "Online-Dienst."
    ),
    "ozg_monitoring:dashboard": _(
        "Wie weit ist die Umsetzung des Onlinezugangsgesetzes (OZG) – landesweit, je Kreis und je Verwaltung, "
        "mit Verlauf."
    ),
    "cooperations:list": _(
        "Kooperationsvereinbarungen und Verwaltungskooperationen zwischen Land, ITV.SH, Kommunen, Verbänden "
        "und Kammern."
    ),
    "funding:overview": _("Woher das Geld für die kommunale Digitalisierung kommt und wofür es eingesetzt wird."),
    "opendata:index": _("Alle Daten des Portals zum Herunterladen: CSV und JSON mit Datenbeschreibung, DCAT-AP.de."),
}


def _reverse_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["search_url"] = _reverse_or_none("organisations:search")
        context["sections"] = [
            {**item, "description": HOME_SECTIONS[item["name"]]}
            for item in navigation_items(self.request.path)
            if item["name"] in HOME_SECTIONS
        ]
        return context


class LegalPageView(TemplateView):
    """Impressum, Datenschutz, Barrierefreiheit, Leichte Sprache: one template each under templates/legal/."""

    # The date the texts were last reviewed; shown as "Stand" on each page.
    reviewed_on = date(2026, 11, 21)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["reviewed_on"] = self.reviewed_on
        # The operator sets PORTAL_CONTACT_EMAIL; until then the pages show a marked placeholder.
        context["contact_email"] = getattr(settings, "PORTAL_CONTACT_EMAIL", "")
        return context


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


# --- Error pages: HTML for people, JSON under /api/ (the API's clients parse every answer as JSON) ---------------


def page_not_found(request, exception=None):
    if wants_json(request):
        return JsonResponse({"detail": str(message("not_found"))}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if wants_json(request):
        return JsonResponse({"detail": str(message("server_error"))}, status=500)
    return defaults.server_error(request)


def permission_denied(request, exception=None):
    if wants_json(request):
        return JsonResponse({"detail": str(message("permission_denied"))}, status=403)
    return defaults.permission_denied(request, exception)


def bad_request(request, exception=None):
    if wants_json(request):
        return JsonResponse({"detail": str(message("bad_request"))}, status=400)
    return defaults.bad_request(request, exception)
