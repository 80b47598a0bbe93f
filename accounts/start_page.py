"""The admin's start page: "Was jetzt zu tun ist", per role.

The page is a list of panel functions (`PANELS`); another panel is one function more, decorated with
`@panel(order)`; the domain apps keep theirs in their own `admin_panels.py`. A panel function takes the request
and the admin site and returns a `Panel`, or None where the user may not see
the list it counts (the model admin's view permission decides, as on the app list).

Every count is read through the model admin's own queryset (`get_queryset(request)`: a Kommune user's rows are
those of its own Verwaltungen, accounts/admin_scoping.py) and, where the list has a filter for it, through that
very list filter (`through_filter`), so that a count and the filtered change list it links to always agree.

Each panel costs a fixed number of queries (one count per line, the stale Verwaltungen two), whatever the
amount of data; tests/accounts/test_start_page.py pins the whole page.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.formatting import format_number

#: Failed imports are listed for this many days (an older failure is no longer "to do").
FAILED_IMPORT_DAYS = 30
#: How many stale Verwaltungen the panel names (the count covers all of them).
STALE_LISTED = 10


@dataclass(frozen=True)
class Entry:
    """One line of a panel: a count and the filtered list that shows those rows."""

    label: str
    count: int
    url: str

    @property
    def count_display(self) -> str:
        return format_number(self.count)


@dataclass(frozen=True)
class Panel:
    key: str  # the HTML id of the panel
    title: str
    entries: list[Entry]
    #: Named rows below the counts (e.g. the stale Verwaltungen), each with its link.
    details: list[Entry] = field(default_factory=list)
    details_title: str = ""
    note: str = ""

    @property
    def is_empty(self) -> bool:
        return not any(entry.count for entry in self.entries)


PanelFunction = Callable[..., Panel | None]
PANELS: list[tuple[int, PanelFunction]] = []


def panel(order: int):
    """Adds a panel function to the start page, at `order` (smaller first). The domain apps register theirs in
    their own `admin_panels.py` (imported by their admin.py), so that accounts imports none of them."""

    def register(function: PanelFunction) -> PanelFunction:
        PANELS.append((order, function))
        return function

    return register


def start_page_panels(request, site) -> list[Panel]:
    """The panels the request's user may see, in order."""
    ordered = sorted(PANELS, key=lambda item: item[0])
    return [result for _order, function in ordered if (result := function(request, site)) is not None]


# --- helpers ------------------------------------------------------------------------------------------


def viewable_admin(request, site, label: str):
    """The model admin of "app_label.ModelName" if the user may view its list, else None."""
    model = apps.get_model(label)
    model_admin = site._registry.get(model)
    if model_admin is None or not model_admin.has_view_permission(request):
        return None
    return model_admin


def changelist_url(model_admin, **params) -> str:
    opts = model_admin.model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist", current_app=model_admin.admin_site.name)
    return f"{url}?{urlencode(params)}" if params else url


def through_filter(model_admin, request, filter_class, value, queryset=None):
    """The rows the change list shows with `filter_class` set to `value` (the list filter itself decides)."""
    queryset = model_admin.get_queryset(request) if queryset is None else queryset
    list_filter = filter_class(request, {filter_class.parameter_name: [value]}, model_admin.model, model_admin)
    return list_filter.queryset(request, queryset)


def filtered_entry(model_admin, request, filter_class, value, label: str) -> Entry:
    rows = through_filter(model_admin, request, filter_class, value)
    return Entry(label, rows.count(), changelist_url(model_admin, **{filter_class.parameter_name: value}))


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` months earlier (the month's last day where it is shorter)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


# --- the panels ---------------------------------------------------------------------------------------


@panel(40)
def imports_open(request, site) -> Panel | None:
    model_admin = viewable_admin(request, site, "ozg_monitoring.ImportJob")
    if model_admin is None:
        return None
    State = model_admin.model.State
    jobs = model_admin.get_queryset(request)
    since = timezone.localdate() - datetime.timedelta(days=FAILED_IMPORT_DAYS)
    running = (State.PENDING, State.RUNNING)
    return Panel(
        key="importe",
        title=_("Statusimporte"),
        entries=[
            Entry(
                _("fehlgeschlagen in den letzten %(days)d Tagen") % {"days": FAILED_IMPORT_DAYS},
                jobs.filter(state=State.FAILED, created_at__date__gte=since).count(),
                changelist_url(model_admin, state__exact=State.FAILED, created_at__date__gte=since.isoformat()),
            ),
            Entry(
                _("laufen oder warten"),
                jobs.filter(state__in=running).count(),
                changelist_url(model_admin, state__in=",".join(running)),
            ),
        ],
    )


@panel(50)
def stale_statuses(request, site) -> Panel | None:
    """Verwaltungen with statuses none of which has changed for STALE_STATUS_MONTHS months."""
    model_admin = viewable_admin(request, site, "ozg_monitoring.RolloutStatus")
    if model_admin is None:
        return None
    months = settings.STALE_STATUS_MONTHS
    cutoff = months_before(timezone.localdate(), months)
    cutoff_at = timezone.make_aware(datetime.datetime.combine(cutoff, datetime.time.min))
    stale = (
        model_admin.get_queryset(request)
        .order_by()
        .values("verwaltung")
        .annotate(last_change=Max("updated_at"))
        .filter(last_change__lt=cutoff_at)
    )
    count = stale.count()
    named = stale.values("verwaltung", "verwaltung__name", "last_change").order_by("last_change", "verwaltung__name")
    details = [
        Entry(
            _("%(name)s, zuletzt geändert am %(date)s")
            % {"name": row["verwaltung__name"], "date": date_format(timezone.localtime(row["last_change"]))},
            0,
            changelist_url(model_admin, verwaltung__id__exact=row["verwaltung"]),
        )
        for row in named[:STALE_LISTED]
    ]
    label = ngettext(
        "Verwaltung ohne Änderung ihrer Umsetzungsstände seit %(months)d Monat (vor dem %(date)s)",
        "Verwaltungen ohne Änderung ihrer Umsetzungsstände seit %(months)d Monaten (vor dem %(date)s)",
        months,
    ) % {"months": months, "date": date_format(cutoff)}
    return Panel(
        key="veraltete-staende",
        title=_("Veraltete Umsetzungsstände"),
        entries=[Entry(label, count, changelist_url(model_admin, updated_at__date__lt=cutoff.isoformat()))],
        details=details,
        details_title=(
            _("Die %(listed)d am längsten unveränderten; der Link zur Zahl zeigt alle Stände vor dem %(date)s.")
            % {"listed": len(details), "date": date_format(cutoff)}
            if count > len(details)
            else ""
        ),
    )


@panel(60)
def broken_links(request, site) -> Panel | None:
    model_admin = viewable_admin(request, site, "ozg_monitoring.BrokenLink")
    if model_admin is None:
        return None
    return Panel(
        key="defekte-links",
        title=_("Defekte Links"),
        entries=[
            Entry(
                _("Adressen von Online-Diensten, die bei der letzten Linkprüfung nicht erreichbar waren"),
                model_admin.get_queryset(request).count(),
                changelist_url(model_admin),
            )
        ],
    )
