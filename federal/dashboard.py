"""The reconciliation's line on the public OZG dashboard (through `ozg_monitoring.related`)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from ozg_monitoring.related import RelatedSection

from .reconciliation import summary


def reconciliation_line(_obj, request) -> RelatedSection:
    """ "Abgleich mit dem Bundes-Dashboard: x von y übereinstimmend, Stand …", or the empty state before the first
    completed sync."""
    found = summary()
    context = {"summary": found}
    if found is not None:
        context["as_of"] = timezone.localtime(found.as_of).strftime("%d.%m.%Y")
    return RelatedSection(
        title=_("Abgleich mit dem Bundes-Dashboard"),
        template_name="federal/_dashboard_reconciliation.html",
        context=context,
        order=10,
        anchor="abgleich-bund",
    )
