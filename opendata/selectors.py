"""Read-only access of the open data app to the other apps: the rows of each dataset and a cheap state token.

Each `*_rows()` yields lists in the column order of datasets.py and costs a fixed number of queries however many
rows there are (pinned by tests). Each `*_state()` costs at most two small aggregate queries and returns the
token that changes whenever the rows change (it keys the ETag) and the data's own last modification.
"""

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, F, Max
from django.utils import timezone

from cooperations.models import Agreement, AgreementParty
from cooperations.selectors import agreement_list
from funding.models import BudgetLine, Drawdown
from funding.selectors import budget_lines
from organisations.models import Organisation
from ozg_monitoring.models import (
    ONLINE_STAGES,
    Fokusleistung,
    LeikaLeistung,
    OzgLeistung,
    RolloutStatus,
    StatusEvent,
    Zustaendigkeit,
    ZustaendigkeitAusnahme,
)
from ozg_monitoring.selectors import READS, status_list, status_states_as_of
from ozg_monitoring.services.values import TRACKED_FIELDS

from .datasets import AGREEMENTS, FUNDING, OZG_CATALOGUE, OZG_SNAPSHOTS, OZG_STATUS, REGISTER, ZUSTAENDIGKEITEN

CHUNK = 2000
EPOCH = datetime.datetime(2019, 1, 1, tzinfo=datetime.UTC)  # ITV.SH started operating in 2019


@dataclass(frozen=True)
class State:
    token: str
    modified: datetime.datetime  # the data's own last change (or when the portal first saw this state)


#: How long a dataset state's first sighting is kept: far longer than any state lasts, and the keys still expire.
FIRST_SEEN_TIMEOUT = 90 * 24 * 60 * 60


def first_seen(slug: str, token: str) -> datetime.datetime:
    """When this state of a dataset was first seen (for data without own timestamps). Kept in the cache."""
    key = "opendata:seen:" + hashlib.sha256(f"{slug}:{token}".encode()).hexdigest()
    cache.add(key, timezone.now().replace(microsecond=0), FIRST_SEEN_TIMEOUT)
    return cache.get(key) or timezone.now().replace(microsecond=0)


def _state(slug: str, token: str, modified: datetime.datetime | None) -> State:
    return State(token=token, modified=(modified or first_seen(slug, token)).replace(microsecond=0))


# --- register ---------------------------------------------------------------------------------------------------


def register_state() -> State:
    figures = Organisation.objects.aggregate(n=Count("pk"), m=Max("updated_at"))
    return _state(REGISTER.slug, f"{figures['n']}-{figures['m']}", figures["m"])


def register_count() -> int:
    return Organisation.objects.count()


def register_rows() -> Iterator[list]:
    """One query: the bodies with Kreis, Amt, Verwaltung and parent joined, by ARS (bodies without one last)."""
    bodies = Organisation.objects.with_hierarchy().order_by(F("ars").asc(nulls_last=True), "slug")
    for org in bodies.iterator(chunk_size=CHUNK):
        yield [
            org.slug,
            org.ars,
            org.ags,
            org.name,
            org.short_name,
            org.kind,
            org.official_type,
            org.kreis.ars if org.kreis_id else None,
            org.amt.ars if org.amt_id else None,
            org.verwaltung.ars if org.verwaltung_id else None,
            org.parent.slug if org.parent_id else None,
            org.seat,
            org.postal_code,
            org.population,
            org.area_km2,
            org.territory_as_of,
            org.website,
            timezone.localtime(org.updated_at).replace(microsecond=0),
        ]


# --- OZG catalogue ------------------------------------------------------------------------------------------------


def ozg_catalogue_state() -> State:
    figures = OzgLeistung.objects.aggregate(n=Count("pk"), m=Max("pk"))
    return _state(OZG_CATALOGUE.slug, f"{READS.version()}-{figures['n']}-{figures['m']}", None)


def datasets_with_demo_rows() -> set[str]:
    """The slugs of the datasets that hold rows built from demo data now (at most three queries): the status
    datasets while demo statuses exist, the catalogue while demo levels or demo Fokusleistungen do."""
    slugs = set()
    if RolloutStatus.objects.filter(is_demo=True).exists():
        slugs |= {OZG_STATUS.slug, OZG_SNAPSHOTS.slug}
    if (
        Fokusleistung.objects.filter(is_demo=True).exists()
        or OzgLeistung.objects.filter(level_source=OzgLeistung.LevelSource.DEMO).exists()
    ):
        slugs.add(OZG_CATALOGUE.slug)
    return slugs


def ozg_catalogue_count() -> int:
    return OzgLeistung.objects.count()


def ozg_catalogue_rows() -> Iterator[list]:
    """Three queries: the Leistungen with Themenfeld and Lebenslage, every LeiKa key, every Fokusleistung year."""
    keys, counts = defaultdict(list), defaultdict(int)
    for ozg_leistung_id, key in (
        LeikaLeistung.objects.filter(ozg_leistung__isnull=False)
        .order_by("catalogue_row")
        .values_list("ozg_leistung_id", "key")
    ):
        counts[ozg_leistung_id] += 1
        if key:
            keys[ozg_leistung_id].append(key)
    years, demo = defaultdict(list), set()
    for leistung_id, year, is_demo in Fokusleistung.objects.order_by("year").values_list(
        "leistung_id", "year", "is_demo"
    ):
        years[leistung_id].append(year)
        if is_demo:
            demo.add(leistung_id)
    leistungen = OzgLeistung.objects.select_related("themenfeld", "lebenslage").order_by("ozg_id")
    for leistung in leistungen:
        yield [
            leistung.ozg_id,
            leistung.name,
            leistung.themenfeld.catalogue_id,
            leistung.themenfeld.name,
            leistung.lebenslage.catalogue_id,
            leistung.lebenslage.name,
            leistung.level,
            leistung.level_source,
            leistung.leika_types,
            keys[leistung.pk],
            counts[leistung.pk],
            years[leistung.pk],
            leistung.level_source == OzgLeistung.LevelSource.DEMO or leistung.pk in demo,
        ]


# --- OZG rollout status -----------------------------------------------------------------------------------------


def ozg_status_state() -> State:
    figures = RolloutStatus.objects.aggregate(n=Count("pk"), m=Max("updated_at"))
    return _state(OZG_STATUS.slug, f"{READS.version()}-{figures['n']}-{figures['m']}", figures["m"])


def ozg_status_count() -> int:
    return RolloutStatus.objects.count()


def ozg_status_rows() -> Iterator[list]:
    """One query: every status with its Leistung, Themenfeld, Verwaltung and provider joined (as plain values:
    30,000 statuses stream in well under a second), in the order of the status list (Leistung, Verwaltung)."""
    values = status_list().values_list(
        "leistung__ozg_id",
        "leistung__name",
        "leistung__themenfeld__catalogue_id",
        "verwaltung__ars",
        "verwaltung__name",
        "stage",
        "maturity_model",
        "maturity_level",
        "url",
        "platform",
        "provider__name",
        "provider_name",
        "planned_go_live",
        "actual_go_live",
        "is_demo",
        "source_kind",
        "updated_at",
    )
    for (
        ozg_id,
        name,
        themenfeld,
        ars,
        verwaltung,
        stage,
        model,
        level,
        url,
        platform,
        provider,
        provider_name,
        planned,
        actual,
        is_demo,
        source_kind,
        updated_at,
    ) in values.iterator(chunk_size=CHUNK):
        yield [
            ozg_id,
            name,
            themenfeld,
            ars,
            verwaltung,
            stage,
            stage in ONLINE_STAGES,
            model,
            level,
            url,
            platform,
            provider or provider_name,
            planned,
            actual,
            is_demo,
            source_kind,
            timezone.localtime(updated_at).replace(microsecond=0),
        ]


# --- status history (for the monthly snapshots) -------------------------------------------------------------------

# Every field the history tracks, but the free-text note (not part of the published monthly files).
STATE_FIELDS = [name for name in TRACKED_FIELDS if name != "note"]


def first_event_time() -> datetime.datetime | None:
    return StatusEvent.objects.order_by("changed_at").values_list("changed_at", flat=True).first()


def status_states_at(days: list[datetime.date]) -> Iterator[tuple[datetime.date, list[list]]]:
    """The snapshot rows (without the date column) of every status as of 00:00 Europe/Berlin of each day, newest
    day first, from the one replay of the history (`ozg_monitoring.selectors.status_states_as_of`). A fixed number
    of queries for any number of days: statuses, events, and the names of Leistungen, Verwaltungen, providers."""
    if not days:
        return
    leistungen = {
        pk: (ozg_id, name, themenfeld)
        for pk, ozg_id, name, themenfeld in OzgLeistung.objects.values_list(
            "pk", "ozg_id", "name", "themenfeld__catalogue_id"
        )
    }
    organisations, names = {}, {}
    for pk, ars, name in Organisation.objects.filter(
        kind__in=[*Organisation.VERWALTUNG_KINDS, Organisation.Kind.LAND]
    ).values_list("pk", "ars", "name"):
        organisations[pk], names[pk] = ars, name
    provider_ids: set[int] = set()
    for day, states in status_states_as_of(days, fields=STATE_FIELDS, keep=("is_demo",)):
        provider_ids.update(state["provider"] for state in states.values() if state["provider"])
        missing = provider_ids - set(names)
        if missing:  # providers outside the Verwaltungen (e.g. ITV.SH): one more query, only when they occur
            names.update(Organisation.objects.filter(pk__in=missing).values_list("pk", "name"))
        rows = []
        for state in states.values():
            ozg_id, leistung_name, themenfeld = leistungen[state["leistung_id"]]
            provider = names.get(state["provider"], "") if state["provider"] else state["provider_name"]
            rows.append(
                [
                    ozg_id,
                    leistung_name,
                    themenfeld,
                    organisations.get(state["verwaltung_id"]),
                    names.get(state["verwaltung_id"], ""),
                    state["stage"],
                    state["stage"] in ONLINE_STAGES,
                    state["maturity_model"],
                    state["maturity_level"],
                    state["url"] or "",
                    state["platform"] or "",
                    provider or "",
                    state["planned_go_live"],
                    state["actual_go_live"],
                    state["is_demo"],
                ]
            )
        rows.sort(key=lambda row: (row[0], row[3] or ""))
        yield day, rows


def _provenance(fact) -> list:
    """The values of the columns `herkunft`, `herkunft_stand` (datasets._herkunft)."""
    return [
        fact.source_kind or None,
        timezone.localtime(fact.source_at).replace(microsecond=0) if fact.source_at else None,
    ]


# --- agreements -------------------------------------------------------------------------------------------------


def agreements_state() -> State:
    agreements = Agreement.objects.aggregate(n=Count("pk"), m=Max("updated_at"))
    parties = AgreementParty.objects.aggregate(n=Count("pk"), m=Max("pk"))
    token = f"{agreements['n']}-{agreements['m']}-{parties['n']}-{parties['m']}"
    return _state(AGREEMENTS.slug, token, agreements["m"])


def agreements_count() -> int:
    return Agreement.objects.count()


def agreements_rows() -> Iterator[list]:
    """Three queries: agreements, their parties with the bodies, their topics."""
    for agreement in agreement_list().select_related("wahlperiode").order_by("slug"):
        parties = list(agreement.parties.all())
        yield [
            agreement.slug,
            agreement.kind,
            agreement.title,
            agreement.reference,
            agreement.status,
            [f"{party.organisation.name} ({party.get_role_display()})" for party in parties],
            [party.organisation.ars for party in parties if party.organisation.ars],
            [topic.name for topic in agreement.topics.all()],
            agreement.announced_on,
            agreement.signed_on,
            agreement.signed_on_precision if agreement.signed_on else None,
            agreement.signed_date_unknown,
            agreement.effective_from,
            agreement.effective_from_precision if agreement.effective_from else None,
            agreement.term_kind,
            agreement.duration_years,
            agreement.term_start,
            agreement.term_end,
            [f"{name}: {reason}" for name, reason in agreement.derivations().items()],
            *_provenance(agreement),
            timezone.localtime(agreement.updated_at).replace(microsecond=0),
        ]


# --- funding ----------------------------------------------------------------------------------------------------


def funding_state() -> State:
    lines = BudgetLine.objects.aggregate(n=Count("pk"), m=Max("updated_at"))
    drawdowns = Drawdown.objects.aggregate(n=Count("pk"), m=Max("updated_at"))
    token = f"{lines['n']}-{lines['m']}-{drawdowns['n']}-{drawdowns['m']}"
    modified = max((value for value in (lines["m"], drawdowns["m"]) if value), default=None)
    return _state(FUNDING.slug, token, modified)


def funding_count() -> int:
    return BudgetLine.objects.count()


def funding_rows() -> Iterator[list]:
    """One query: the lines with source, recipient, purpose, agreement and the drawdown sums as subqueries."""
    for line in budget_lines().order_by(F("fiscal_year").asc(nulls_first=True), "key", "pk"):
        recorded = line.payments_recorded
        called = line.approved_amount + line.paid_amount if recorded else None
        yield [
            line.key,
            line.title,
            line.fiscal_year,
            line.year_is_stated,
            line.source.name,
            line.recipient.name,
            line.recipient.ars,
            str(line.purpose),
            line.agreement.slug if line.agreement_id else None,
            line.status,
            line.planned_amount,
            line.amount_is_approximate,
            line.amount_wording,
            recorded,
            line.approved_amount,
            line.paid_amount,
            called,
            line.remaining_amount,
            line.source_citation,
            line.source_url,
            *_provenance(line),
            timezone.localtime(line.updated_at).replace(microsecond=0),
        ]


# --- Zuständigkeiten -----------------------------------------------------------------------------------------------


def zustaendigkeiten_state() -> State:
    """Two aggregates over the tables' history: every change adds a history row with its time."""
    parts, modified = [], None
    for model in (Zustaendigkeit, ZustaendigkeitAusnahme):
        figures = model.history.model.objects.aggregate(n=Count("pk"), m=Max("history_date"))
        parts.append(f"{figures['n']}-{figures['m']}")
        if figures["m"] and (modified is None or figures["m"] > modified):
            modified = figures["m"]
    return _state(ZUSTAENDIGKEITEN.slug, "-".join(parts), modified)


def zustaendigkeiten_count() -> int:
    return Zustaendigkeit.objects.count() + ZustaendigkeitAusnahme.objects.count()


def _zustaendigkeit_values(entry) -> list:
    return [
        entry.office,
        entry.basis,
        entry.source_title,
        entry.source_url,
        entry.source_date,
        entry.checked_on,
        entry.evidence,
        entry.note,
    ]


def zustaendigkeiten_rows() -> Iterator[list]:
    """Two queries: the default rows, then the exceptions, each with their Leistung, LeiKa-Leistung and bodies."""
    for entry in Zustaendigkeit.objects.select_related("leistung", "leika").order_by("leistung__ozg_id", "leika__key"):
        yield [
            "standard",
            entry.leistung.ozg_id,
            entry.leistung.name,
            entry.leika.key if entry.leika_id else None,
            entry.leika.name if entry.leika_id else None,
            None,
            None,
            entry.level,
            None,
            None,
            *_zustaendigkeit_values(entry),
        ]
    exceptions = ZustaendigkeitAusnahme.objects.select_related("leistung", "leika", "area", "handled_by").order_by(
        "leistung__ozg_id", "area__ars", "leika__key"
    )
    for entry in exceptions:
        yield [
            "ausnahme",
            entry.leistung.ozg_id,
            entry.leistung.name,
            entry.leika.key if entry.leika_id else None,
            entry.leika.name if entry.leika_id else None,
            entry.area.ars,
            entry.area.name,
            entry.level,
            entry.handled_by.ars if entry.handled_by_id else None,
            entry.handled_by.name if entry.handled_by_id else None,
            *_zustaendigkeit_values(entry),
        ]


READERS = {
    REGISTER.slug: (register_state, register_rows, register_count),
    OZG_CATALOGUE.slug: (ozg_catalogue_state, ozg_catalogue_rows, ozg_catalogue_count),
    OZG_STATUS.slug: (ozg_status_state, ozg_status_rows, ozg_status_count),
    ZUSTAENDIGKEITEN.slug: (zustaendigkeiten_state, zustaendigkeiten_rows, zustaendigkeiten_count),
    AGREEMENTS.slug: (agreements_state, agreements_rows, agreements_count),
    FUNDING.slug: (funding_state, funding_rows, funding_count),
}
