"""List filters of the cooperations admin that the start page (accounts/start_page.py) links to.

`obligations_due(queryset, value, today=)` is the one place where "überfällig" and "fällig in 30 Tagen" are
written: the filter of the obligation list and the start page's counts both use it, so a count and the list it
links to always agree.
"""

import datetime

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Obligation

DUE_SOON_DAYS = 30
OVERDUE, DUE_SOON = "ueberfaellig", "bald"
#: Obligations still to be fulfilled: open, or late (the daily run turns an open one past its date into "verspätet").
NOT_DONE = (Obligation.Status.OFFEN, Obligation.Status.VERSPAETET)


def obligations_due(queryset, value: str, *, today: datetime.date | None = None):
    """Obligations not yet fulfilled whose due date has passed (OVERDUE) or comes within 30 days (DUE_SOON)."""
    today = today or timezone.localdate()
    if value == OVERDUE:
        return queryset.filter(status__in=NOT_DONE, due_on__lt=today)
    if value == DUE_SOON:
        return queryset.filter(
            status__in=NOT_DONE, due_on__gte=today, due_on__lte=today + datetime.timedelta(days=DUE_SOON_DAYS)
        )
    return queryset


class ObligationDueFilter(admin.SimpleListFilter):
    title = _("Fälligkeit")
    parameter_name = "faellig"

    def lookups(self, request, model_admin):
        return [(OVERDUE, _("überfällig")), (DUE_SOON, _("fällig in %(days)d Tagen") % {"days": DUE_SOON_DAYS})]

    def queryset(self, request, queryset):
        return obligations_due(queryset, self.value())


REACHED, UNREACHED = "ja", "nein"


class ReminderReachedFilter(admin.SimpleListFilter):
    """Reminders that reached somebody (sent) and those that found no recipient and have not been sent since."""

    title = _("Empfänger erreicht")
    parameter_name = "erreicht"

    def lookups(self, request, model_admin):
        return [(REACHED, _("ja, versandt")), (UNREACHED, _("nein, niemand erreicht"))]

    def queryset(self, request, queryset):
        if self.value() == REACHED:
            return queryset.filter(sent_at__isnull=False)
        if self.value() == UNREACHED:
            return queryset.filter(sent_at__isnull=True)
        return queryset
