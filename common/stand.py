""" "Stand der Daten": the time of the last change of the data a page or download shows, never the time it was
rendered, in the same words everywhere (issue 14, point 7).

A domain names its sources once (`Sources`: the model fields that change whenever its data changes, history
tables included, so a deletion counts too); `stand_of(sources)` reads their newest value in one query. Pages show it
with `templates/includes/stand.html` (`{% include "includes/stand.html" with stand=stand %}`), CSV downloads carry
it in a last column and in `Last-Modified` (`common.csvfiles.csv_download(..., stand=...)`), JSON in `meta`.
"""

import datetime
from dataclasses import dataclass

from django.apps import apps
from django.db import connections
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from common import replica

LABEL = _("Stand der Daten")
UNKNOWN = _("noch keine Daten erfasst")


@dataclass(frozen=True)
class Stand:
    """The newest change of the data shown; `at` None when nothing has been recorded yet."""

    at: datetime.datetime | None

    @property
    def value(self) -> str:
        """The time in words: "01.12.2026, 14:03 Uhr" (local time), or "noch keine Daten erfasst"."""
        if self.at is None:
            return str(UNKNOWN)
        return timezone.localtime(self.at).strftime("%d.%m.%Y, %H:%M Uhr")

    @property
    def text(self) -> str:
        """ "Stand der Daten: 01.12.2026, 14:03 Uhr": the words pages, CSV and JSON use."""
        return f"{LABEL}: {self.value}"

    @property
    def iso(self) -> str | None:
        return None if self.at is None else timezone.localtime(self.at).replace(microsecond=0).isoformat()

    def __str__(self):
        return self.text


@dataclass(frozen=True)
class Sources:
    """The fields whose newest value is a domain's Stand: ("app.Model", "field") pairs, DateTimeFields only."""

    name: str
    fields: tuple[tuple[str, str], ...]

    def columns(self):
        for label, name in self.fields:
            model = apps.get_model(label)
            yield model._meta.db_table, model._meta.get_field(name).column


def _as_datetime(value) -> datetime.datetime | None:
    # SQLite returns the text it stores.
    found = value if value is None or isinstance(value, datetime.datetime) else parse_datetime(str(value))
    if found is not None and timezone.is_naive(found):
        found = timezone.make_aware(found, datetime.UTC)
    return found


def stand_of(*sources: Sources) -> Stand:
    """The Stand of data drawn from `sources`: the newest value of all their fields, in one query."""
    connection = connections[replica.read_alias()]  # raw SQL passes no router: ask the one rule of where reads go
    quote = connection.ops.quote_name
    parts = [
        f"SELECT MAX({quote(column)}) AS m FROM {quote(table)}"  # noqa: S608 - names from the models
        for group in sources
        for table, column in group.columns()
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(m) FROM ({' UNION ALL '.join(parts)}) AS stand")  # noqa: S608 - names from models
        (value,) = cursor.fetchone()
    return Stand(_as_datetime(value))


# --- the domains ---------------------------------------------------------------------------------------------------

#: The OZG pages and downloads: the statuses (their history holds every change, deletions of a status excepted),
#: the managed lists and the Zuständigkeit entries (with their history).
OZG = Sources(
    "ozg",
    (
        ("ozg_monitoring.StatusEvent", "changed_at"),
        ("ozg_monitoring.RolloutStatus", "updated_at"),
        ("ozg_monitoring.Fokusleistung", "source_at"),
        ("ozg_monitoring.Basisdienst", "source_at"),
        ("ozg_monitoring.RolloutPlan", "source_at"),
        ("ozg_monitoring.HistoricalZustaendigkeit", "history_date"),
        ("ozg_monitoring.HistoricalZustaendigkeitAusnahme", "history_date"),
    ),
)
#: The register of public bodies.
REGISTER = Sources(
    "register",
    (("organisations.Organisation", "updated_at"), ("organisations.HistoricalOrganisation", "history_date")),
)
#: Agreements with everything their pages show (the history tables count deletions of parts too).
AGREEMENTS = Sources(
    "agreements",
    (
        ("cooperations.Agreement", "updated_at"),
        ("cooperations.HistoricalAgreement", "history_date"),
        ("cooperations.HistoricalAgreementParty", "history_date"),
        ("cooperations.HistoricalSignatory", "history_date"),
        ("cooperations.HistoricalObligation", "history_date"),
        ("cooperations.HistoricalMeasure", "history_date"),
        ("cooperations.HistoricalMilestone", "history_date"),
        ("cooperations.HistoricalAmendment", "history_date"),
        ("cooperations.HistoricalSource", "history_date"),
    ),
)
#: Budget lines, drawdowns and in-kind contributions.
FUNDING = Sources(
    "funding",
    (
        ("funding.BudgetLine", "updated_at"),
        ("funding.HistoricalBudgetLine", "history_date"),
        ("funding.Drawdown", "updated_at"),
        ("funding.HistoricalDrawdown", "history_date"),
        ("funding.InKindContribution", "updated_at"),
        ("funding.HistoricalInKindContribution", "history_date"),
    ),
)

#: Which domain's Stand a public page shows, by its URL namespace (the portal's context processor offers it as
#: `stand` to every template; a view may set its own).
NAMESPACES = {
    "ozg_monitoring": (OZG,),
    "organisations": (REGISTER,),
    "cooperations": (AGREEMENTS,),
    "funding": (FUNDING,),
    "opendata": (REGISTER, OZG, AGREEMENTS, FUNDING),
}


def for_request(request) -> Stand | None:
    """The Stand of the domain of the page `request` asks for, or None outside the domains (home, legal pages)."""
    match = getattr(request, "resolver_match", None)
    sources = NAMESPACES.get(match.namespace if match else "")
    return stand_of(*sources) if sources else None
