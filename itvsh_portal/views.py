"""Project-level pages: home, legal pages, the liveness (/healthz) and readiness (/readyz) checks."""

import logging
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from common import replica
from common.messages import message

from . import feedback
from .context_processors import navigation_items
from .security import client_ip, wants_json

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
        # One form for place and service straight to her answer (the OZG lookup); without it, the register search.
        context["lookup_url"] = _reverse_or_none("ozg_monitoring:lookup")
        context["search_url"] = _reverse_or_none("organisations:search")
        context["sections"] = [
            {**item, "description": HOME_SECTIONS[item["name"]]}
            for item in navigation_items(self.request.path)
            if item["name"] in HOME_SECTIONS
        ]
        return context


OPERATOR_FACT_SETTINGS = {
    "address": "PORTAL_OPERATOR_ADDRESS",
    "representative": "PORTAL_OPERATOR_REPRESENTATIVE",
    "board_chair": "PORTAL_OPERATOR_BOARD_CHAIR",
    "supervisory_authority": "PORTAL_SUPERVISORY_AUTHORITY",
    "phone": "PORTAL_CONTACT_PHONE",
    "content_responsible": "PORTAL_CONTENT_RESPONSIBLE",
    "data_protection_officer": "PORTAL_DATA_PROTECTION_OFFICER",
    "log_retention": "PORTAL_LOG_RETENTION",
    "hosting_provider": "PORTAL_HOSTING_PROVIDER",
    "vat_id": "PORTAL_VAT_ID",
}


class LegalPageView(TemplateView):
    """Impressum, Datenschutz, Barrierefreiheit, Leichte Sprache: one template each under templates/legal/."""

    # The date the texts were last reviewed; shown as "Stand" on each page.
    reviewed_on = date(2026, 11, 21)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["reviewed_on"] = self.reviewed_on
        # Every fact about the operator comes from settings (itvsh_portal/checks.py lists them); until the operator
        # sets one, the pages show a marked placeholder naming it.
        context["contact_email"] = getattr(settings, "PORTAL_CONTACT_EMAIL", "")
        context["operator"] = {key: getattr(settings, name, "") for key, name in OPERATOR_FACT_SETTINGS.items()}
        # With a read replica, a client that wrote gets the sticky cookie (itvsh_portal/db_router.py): the
        # Datenschutzerklärung names it then, and only then.
        context["sticky_cookie_seconds"] = settings.REPLICA_STICKY_SECONDS if replica.enabled() else None
        return context


class AccessibilityStatementView(LegalPageView):
    """The Erklärung zur Barrierefreiheit with the form "Barriere melden": POST sends the report through
    `feedback.barrier_report_send` and redirects to the confirmation (PRG); field errors answer 400, too many
    reports from one address 429, a portal without a contact address 503, each with the form and a German text."""

    template_name = "legal/barrierefreiheit.html"
    http_method_names = ["get", "post", "head", "options"]
    SENT = "gemeldet"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("report_form", feedback.BarrierReportForm())
        context["report_contact"] = feedback.contact_address()
        context["report_sent"] = self.request.GET.get(self.SENT) == "1"
        return context

    def post(self, request, *args, **kwargs):
        form = feedback.BarrierReportForm(request.POST)
        try:
            feedback.barrier_report_send(data=request.POST, client=client_ip(request) or "")
        except ValidationError:
            form.is_valid()  # the same field errors, for the page
            return self._again(form, status=400)
        except feedback.ReportThrottled as throttled:
            problem = _(
                "Von Ihrem Anschluss sind in der letzten Stunde schon mehrere Meldungen gekommen. Bitte versuchen Sie "
                "es in %(minutes)s Minuten noch einmal oder schreiben Sie uns eine E-Mail."
            ) % {"minutes": throttled.minutes}
            return self._again(form, status=429, problem=problem)
        except feedback.NoContactConfigured:
            problem = _("Das Formular ist noch nicht eingerichtet: Es fehlt die Adresse, an die es sendet.")
            return self._again(form, status=503, problem=problem)
        return HttpResponseRedirect(f"{reverse('barrierefreiheit')}?{self.SENT}=1#barriere-gemeldet")

    def _again(self, form, *, status, problem=""):
        context = self.get_context_data(report_form=form, report_problem=problem)
        return self.render_to_response(context, status=status)


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_cache() -> str:
    cache.set("readyz", "ok", 5)
    if cache.get("readyz") != "ok":
        raise CheckFailed(_("Der Cache gibt nicht zurück, was gespeichert wurde."))
    return "ok"


def _check_broker() -> str:
    from itvsh_portal.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


class CheckFailed(Exception):
    """A dependency answered, but not as it should; the message says how (German, for the JSON reason)."""


# Once every migration is applied, this process's code and the database agree until the process ends (new code
# comes with a new process), so the migration graph is loaded only until then.
_migrations_applied = False


def _check_migrations() -> str:
    global _migrations_applied
    if _migrations_applied:
        return "ok"
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        names = ", ".join(f"{migration.app_label}.{migration.name}" for migration, _backwards in pending[:5])
        raise CheckFailed(
            ngettext(
                "%(count)d Migration ist nicht angewendet: %(names)s",
                "%(count)d Migrationen sind nicht angewendet: %(names)s",
                len(pending),
            )
            % {"count": len(pending), "names": names + (" …" if len(pending) > 5 else "")}
        )
    _migrations_applied = True
    return "ok"


READINESS_LABELS = {
    "database": _("Datenbank"),
    "cache": _("Cache"),
    "broker": _("Broker"),
    "migrations": _("Migrationen"),
}


@never_cache
@require_GET
def healthz(request):
    """Liveness: the process is up and answers. Touches nothing else (no database, cache or broker), so that a
    failing dependency never makes the platform restart healthy web processes."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    """Readiness: database, cache, broker (if configured) and every migration applied. 200 when all required
    checks pass (READINESS_REQUIRED), else 503 with the reasons; the platform then sends no traffic here."""
    checks = {"database": _check_database, "cache": _check_cache, "migrations": _check_migrations}
    if settings.CELERY_BROKER_URL:
        checks["broker"] = _check_broker
    required = set(getattr(settings, "READINESS_REQUIRED", READINESS_LABELS))
    result, reasons = {}, []
    for name, check in checks.items():
        if name == "migrations" and result["database"]["status"] != "ok":
            result[name] = {"status": "nicht geprüft", "error": str(_("ohne Datenbank"))}
        else:
            try:
                result[name] = {"status": check()}
            except CheckFailed as exc:
                result[name] = {"status": "fehlerhaft", "error": str(exc)}
            except Exception as exc:  # noqa: BLE001 - every failure of a dependency is reported, none raised
                logger.warning("readyz: %s unreachable: %s", name, exc.__class__.__name__)
                result[name] = {"status": "nicht erreichbar", "error": exc.__class__.__name__}
        if result[name]["status"] != "ok" and name in required:
            reasons.append(f"{READINESS_LABELS[name]}: {result[name]['status']} ({result[name]['error']})")
    if not settings.CELERY_BROKER_URL:
        result["broker"] = {"status": "nicht konfiguriert (Aufgaben laufen synchron)"}
    body = {"status": "gestört" if reasons else "ok", "dependencies": result}
    if reasons:
        body["reasons"] = reasons
    return JsonResponse(body, status=503 if reasons else 200)


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
