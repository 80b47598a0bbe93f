"""The OZG app's panel on the admin's start page (accounts/start_page.py): what is missing for the Verwaltungen of
a Kommune user, beside the stale statuses and the broken links."""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.admin_scoping import visible_verwaltung_ids
from accounts.start_page import Entry, Panel, panel, viewable_admin


@panel(55)
def missing_statuses(request, site) -> Panel | None:
    """Leistungen without a status for the user's own Verwaltungen (by the recorded Zuständigkeit): one query
    besides the cached responsibility. Shown to users bound to Verwaltungen; staff acting for all choose a
    Verwaltung on the page itself."""
    from .selectors import leistungen_without_status

    model_admin = viewable_admin(request, site, "ozg_monitoring.RolloutStatus")
    visible = visible_verwaltung_ids(request)
    if model_admin is None or not visible:
        return None
    missing = leistungen_without_status(visible)
    return Panel(
        key="fehlende-staende",
        title=_("Fehlende Umsetzungsstände"),
        entries=[
            Entry(
                _("Leistungen ohne Stand, für die Ihre Verwaltungen nach der erfassten Zuständigkeit zuständig sind"),
                sum(len(leistungen) for leistungen in missing.values()),
                reverse("admin:ozg_monitoring_rolloutstatus_missing", current_app=site.name),
            )
        ],
    )
