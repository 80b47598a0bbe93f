"""Two hooks of the OZG app (`common.sections`):

- the line(s) other apps add to the public OZG dashboard (/ozg/): the dashboard's view calls every provider with None
  (the dashboard has no object) and the request and passes the non-empty results, sorted by `order`, as
  `dashboard_sections`; templates/ozg_monitoring/dashboard.html renders each inside "Kennzahlen" with
  `{% include section.template_name with section=section %}` (no heading of its own). The dashboard is a cached page
  of the scope `selectors.READS`: a provider reads only models that scope watches (an app above this one adds its
  models with `READS.watch(...)` in its AppConfig.ready()). The federal app adds the reconciliation line ("Abgleich
  mit dem Bundes-Dashboard");
- the section "Online erledigen" this app adds to a body's register page (/kommunen/<key>/), through the register's
  hook (organisations/related.py): one page per body connects the register, the citizen lookup and the OZG page of
  the Verwaltung that serves it (issue 16, point 3).
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from common.sections import RelatedSection, SectionHook
from organisations.models import Organisation
from organisations.related import register_related_section

from .models import ONLINE_STAGES, RolloutStatus

__all__ = ["RelatedSection", "dashboard_sections", "register_dashboard_section", "unregister_dashboard_section"]

_hook = SectionHook(anchor_prefix="dashboard")

register_dashboard_section = _hook.register
unregister_dashboard_section = _hook.unregister
dashboard_sections = _hook.sections


def online_section(body, request) -> RelatedSection | None:
    """For a Gemeinde: what she can do online there, and the OZG page of her Verwaltung; for a Verwaltung (Amt,
    amtsfreie Gemeinde, Kreis, Land): its OZG page with how many of its services are online. One query."""
    verwaltung = body if body.kind in Organisation.VERWALTUNG_AND_LAND_KINDS else body.verwaltung
    if verwaltung is None and not body.is_gemeinde:
        return None
    counts = {"online": 0, "total": 0}
    if verwaltung is not None:
        for stage in RolloutStatus.objects.filter(verwaltung=verwaltung).values_list("stage", flat=True):
            counts["total"] += 1
            counts["online"] += stage in ONLINE_STAGES
    return RelatedSection(
        title=_("Online erledigen"),
        template_name="ozg_monitoring/includes/body_online.html",
        context={
            "lookup_url": reverse("ozg_monitoring:lookup_gemeinde", args=[body.ars]) if body.is_gemeinde else "",
            "verwaltung": verwaltung,
            "verwaltung_url": reverse("ozg_monitoring:verwaltung_detail", args=[verwaltung.ars])
            if verwaltung is not None and verwaltung.ars
            else "",
            **counts,
        },
        order=5,
        anchor="online-erledigen",
    )


def register():
    register_related_section(online_section)
