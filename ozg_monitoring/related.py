"""The section "Online erledigen" on a body's register page (/kommunen/<key>/), through the register's hook
(organisations/related.py): one page per body connects the register, the citizen lookup and the OZG page of the
Verwaltung that serves it (issue 16, point 3)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from common.sections import RelatedSection
from organisations.models import Organisation
from organisations.related import register_related_section

from .models import ONLINE_STAGES, RolloutStatus


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
