"""Reads shared by pages and API: Zuständigkeit, coverage, citizen lookup, history, dashboard figures.

Every function here costs a fixed number of queries, however many statuses exist."""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from common.cached_reads import Scope
from common.provenance import SourceKind
from common.sql import german, german_key, grouped_ids
from organisations import selectors as register
from organisations.keys import kreis_key, verband_key
from organisations.models import Organisation

from . import tally
from .models import (
    ONLINE_STAGES,
    ExecutingLevel,
    Fokusleistung,
    MonthlySnapshot,
    OzgLeistung,
    RolloutPlan,
    RolloutStatus,
    RolloutTarget,
    Stage,
    StageTally,
    StatusEvent,
    Themenfeld,
)
from .responsibility import Responsibility, responsibilities_for

#: What the cached OZG reads (the pages in urls.py, the dashboard, the demo notice, the API's counts) depend on: any
#: committed write to these tables, through whichever door, replaces the version (common/cached_reads.py). The
#: register is among them: its names and its hierarchy appear on every OZG page.
READS = Scope(
    "ozg",
    watches=[
        "organisations.Organisation",
        "organisations.PostalCode",  # the place search of the lookup finds Gemeinden by PLZ
        "ozg_monitoring.Themenfeld",
        "ozg_monitoring.Lebenslage",
        "ozg_monitoring.OzgLeistung",
        "ozg_monitoring.LeikaLeistung",
        "ozg_monitoring.Fokusleistung",
        "ozg_monitoring.Basisdienst",
        "ozg_monitoring.Zustaendigkeit",
        "ozg_monitoring.ZustaendigkeitAusnahme",
        "ozg_monitoring.RolloutStatus",
        "ozg_monitoring.StageTally",  # its triggers write with every status write; compacting it is a write too
        "ozg_monitoring.StatusEvent",
        "ozg_monitoring.MonthlySnapshot",
        "ozg_monitoring.RolloutPlan",
        "ozg_monitoring.RolloutTarget",
        "ozg_monitoring.LinkCheck",  # "zuletzt erreichbar am …" beside a service link
    ],
    # Read for "Stand der Daten" (common/stand.py) only: they change with the entries watched above.
    unshown=["ozg_monitoring.HistoricalZustaendigkeit", "ozg_monitoring.HistoricalZustaendigkeitAusnahme"],
)
DEMO_FLAG_SECONDS = 3600
#: Who is responsible for whose residents (`responsibility.population_served`) changes only with the Zuständigkeit,
#: the catalogue and the register, not with a status: its own scope, so a status write does not recompute it.
RESPONSIBILITY = Scope(
    "ozg-responsibility",
    watches=[
        "organisations.Organisation",
        "ozg_monitoring.OzgLeistung",
        "ozg_monitoring.LeikaLeistung",
        "ozg_monitoring.Zustaendigkeit",
        "ozg_monitoring.ZustaendigkeitAusnahme",
    ],
)
RESPONSIBILITY_SECONDS = 24 * 3600
#: What the dashboard shows beside the statuses (`dashboard_frame`): the register, the catalogue, the Fokusleistungen,
#: the plans' targets and the Monatsstände. A status write touches none of these tables, so after it the dashboard
#: reads only its statuses anew (bench/README.md: the cold dashboard). Every table here is watched by READS too, so
#: the dashboard's own entry is replaced with each of them.
FRAME = Scope(
    "ozg-frame",
    watches=[
        "organisations.Organisation",
        "ozg_monitoring.Themenfeld",
        "ozg_monitoring.OzgLeistung",
        "ozg_monitoring.Fokusleistung",
        "ozg_monitoring.MonthlySnapshot",
        "ozg_monitoring.RolloutPlan",
        "ozg_monitoring.RolloutTarget",
    ],
)
FRAME_SECONDS = 24 * 3600
#: The steps of the distribution of the residents' shares over the Leistungen (lower bounds, in per cent).
RESIDENT_SHARE_STEPS = (0, 10, 25, 50, 75, 90)

Kind = Organisation.Kind


# --- status lists and history ------------------------------------------------------------------------------


def status_list():
    """Statuses with everything a list shows, in joins: one query per page. Ordered along the unique index
    (leistung, verwaltung), so a page of 100 out of 100,000 reads 100 index entries instead of sorting all."""
    return RolloutStatus.objects.select_related(
        "leistung__themenfeld", "leistung__lebenslage", "verwaltung", "provider"
    ).order_by("leistung_id", "verwaltung_id")


def event_list():
    """The history with what a public output shows of who changed it (`public_actor_label`), in one query: the
    acting user is never loaded, her source kind was stored with the event."""
    return StatusEvent.objects.select_related("leistung", "verwaltung").order_by("-changed_at", "-id")


#: The public names of the source kinds that need no Verwaltung and no author.
FIXED_LABELS = {
    SourceKind.DEMO: _lazy("Beispieldaten"),
    SourceKind.IMPORT: _lazy("Datei-Import"),
    SourceKind.BUND: _lazy("Bundes-Dashboard"),
    SourceKind.GRUENDUNGSDOKUMENT: _lazy("Gründungsdokument"),
}


def public_actor_label(event) -> str:
    """Who changed a status, as every public output (pages, API, downloads) names it: a role or body, never a
    login name or a person. Staff see the person in the admin (history, audit trail).

    Read from the source kind stored with the event when it was written (`common.provenance.source_kind_for`),
    never from the author's rights today:

    - demo rows: "Beispieldaten"; file imports (CSV upload, federal format): "Datei-Import";
    - the ITV.SH Redaktion (superusers, the group Monitoring, the system actor: who acts for all Verwaltungen):
      "ITV.SH";
    - a Kommune (who wrote as a member of the event's Verwaltung, the only ones the write rule lets her write
      for): "Kommune: <Verwaltung>";
    - an account deleted since, or an entry older than the stored source kind: "nicht bekannt".

    No query beyond the event's Verwaltung (which `event_list()` loads in its one query)."""
    kind = event.source_kind
    if kind in FIXED_LABELS:
        return str(FIXED_LABELS[kind])
    if not kind or event.changed_by_id is None:
        return _("nicht bekannt")
    if kind == SourceKind.KOMMUNE:
        return _("Kommune: %(verwaltung)s") % {"verwaltung": event.verwaltung.display_name}
    return _("ITV.SH")


# --- Zuständigkeit -----------------------------------------------------------------------------------------


@dataclass
class LookupPart:
    """A LeiKa-Leistung handled elsewhere than the rest of its OZG-Leistung, with the status found there."""

    responsibility: Responsibility
    status: RolloutStatus | None

    @property
    def is_online(self) -> bool:
        return self.status is not None and self.status.stage in ONLINE_STAGES


@dataclass
class LookupRow:
    """One Leistung where she lives: who handles it (`responsibility`, None where its LeiKa-Leistungen are handled
    at different places: then `parts`), and the status of that Verwaltung only."""

    leistung: OzgLeistung
    responsibility: Responsibility | None
    status: RolloutStatus | None
    parts: list = field(default_factory=list)

    @property
    def known(self) -> bool:
        return self.responsibility is not None and not self.responsibility.unknown

    @property
    def level(self) -> str:
        return self.responsibility.level if self.known else ExecutingLevel.UNCLASSIFIED

    @property
    def responsible(self) -> Organisation | None:
        return self.responsibility.verwaltung if self.known else None

    @property
    def is_online(self) -> bool:
        return self.status is not None and self.status.stage in ONLINE_STAGES

    @property
    def is_online_anywhere(self) -> bool:
        """Online at the Verwaltung responsible for her, or for one of its LeiKa-Leistungen."""
        return self.is_online or any(part.is_online for part in self.parts)


def lookup_leistungen(**filters):
    """OZG-Leistungen a citizen can look up, by name, with Themenfeld and Lebenslage loaded; `filters` (the query
    of the page or API: `themenfeld`, `lebenslage` catalogue ids, text `q`) go through `filters.LookupFilter`,
    the one FilterSet of the lookup. Raises ValidationError for a malformed filter value."""
    from .filters import LookupFilter  # the FilterSets read the selectors' querysets, not the other way round

    leistungen = OzgLeistung.objects.select_related("themenfeld", "lebenslage").order_by(german("name"), "ozg_id")
    if not filters:
        return leistungen
    filterset = LookupFilter({key: value for key, value in filters.items() if value is not None}, queryset=leistungen)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs


def lookup_rows(gemeinde: Organisation, leistungen) -> list[LookupRow]:
    """Each Leistung with who handles it where `gemeinde` lies (`responsibility.responsibilities_for`: three
    queries) and the status of that Verwaltung (one query). A Leistung whose Zuständigkeit is not recorded shows no
    status: nobody's status stands in for the responsible one."""
    leistungen = list(leistungen)
    answers = responsibilities_for(gemeinde, leistungen)
    wanted = {org.pk for answer in answers.values() for org in answer.verwaltungen}
    statuses = {}
    if wanted:
        statuses = {
            (status.leistung_id, status.verwaltung_id): status
            for status in RolloutStatus.objects.select_related("provider").filter(
                leistung__in=leistungen, verwaltung_id__in=wanted
            )
        }

    with_last_checks(statuses.values())

    def status_of(leistung, entry):
        if entry is None or entry.unknown or entry.verwaltung is None:
            return None
        return statuses.get((leistung.pk, entry.verwaltung.pk))

    rows = []
    for leistung in leistungen:
        answer = answers[leistung.pk]
        rows.append(
            LookupRow(
                leistung=leistung,
                responsibility=answer.main,
                status=status_of(leistung, answer.main),
                parts=[LookupPart(part, status_of(leistung, part)) for part in answer.parts],
            )
        )
    return rows


def zustaendigkeit_of_leistung(leistung: OzgLeistung) -> dict:
    """The sourced Zuständigkeit of one Leistung for its page (two queries): its default rows, and its exceptions
    grouped by area and handler (an exception usually covers several LeiKa-Leistungen of one area)."""
    rows = list(leistung.zustaendigkeiten.select_related("leika").order_by("leika__key"))
    groups: dict = {}
    for row in leistung.zustaendigkeit_ausnahmen.select_related("area", "handled_by", "leika").order_by("area__ars"):
        key = (row.area_id, row.handled_by_id, row.level, row.office, row.source_url)
        entry = groups.setdefault(key, {"row": row, "leika": []})
        if row.leika_id:
            entry["leika"].append(row.leika)
    bund_office = next((row.office for row in rows if row.leika_id is None and row.level == ExecutingLevel.BUND), "")
    return {"zustaendigkeiten": rows, "ausnahmen": list(groups.values()), "bund_office": bund_office}


# --- coverage ----------------------------------------------------------------------------------------------

LANDESWEIT = "landesweit"
KREISWEIT = "kreisweit"
MINDESTENS_EINE = "mindestens_eine_kommune"
NICHT_VERFUEGBAR = "nicht_verfuegbar"
COVERAGE_LABELS = {
    LANDESWEIT: "landesweit flächendeckend",
    KREISWEIT: "kreisweit flächendeckend",
    MINDESTENS_EINE: "in mindestens einer Kommune",
    NICHT_VERFUEGBAR: "nicht verfügbar",
}
# The federal dashboard's spelling (art_flaechendeckung).
FEDERAL_COVERAGE = {
    LANDESWEIT: "landesweit flächendeckend",
    KREISWEIT: "kreisweit flächendeckend",
    MINDESTENS_EINE: "in mind. einer Kommune verfügbar",
    NICHT_VERFUEGBAR: "nicht in Auswertung berücksichtigt",
}


@dataclass
class Coverage:
    kind: str
    kreise: list = field(default_factory=list)  # [(kreis5, name)] covered entirely
    online: int = 0  # Verwaltungen offering it online
    units: int = 0  # Verwaltungen that would offer it at this level

    @property
    def label(self) -> str:
        return _(COVERAGE_LABELS[self.kind])

    @property
    def federal_label(self) -> str:
        return FEDERAL_COVERAGE[self.kind]

    @property
    def kreis_keys(self) -> set:
        return {key for key, _name in self.kreise}


@dataclass
class Territory:
    """The Verwaltungen of SH grouped the way coverage needs them (one query)."""

    land_id: int | None
    kreise: dict  # kreis5 -> (id, name)
    gemeinde_units: dict  # kreis5 -> set of ids (Ämter, amtsfreie Gemeinden, kreisfreie Städte)
    names: dict  # id -> name
    ars: dict  # id -> ars
    kinds: dict  # id -> kind

    @cached_property
    def all_gemeinde_units(self) -> set:
        return set().union(*self.gemeinde_units.values()) if self.gemeinde_units else set()

    @cached_property
    def all_ids(self) -> set:
        return set(self.names)

    @cached_property
    def kreis_ids(self) -> set:
        return {pk for pk, _name in self.kreise.values()}

    @cached_property
    def kreise_in_order(self) -> list:
        """[(kreis5, (id, name))] by key."""
        return sorted(self.kreise.items())

    @cached_property
    def kreis_parts(self) -> list:
        """[(kreis5, name, id of the Kreis, ids of its Gemeinde-level Verwaltungen)] by key: what coverage_of walks
        for each Leistung (several hundred times per dashboard)."""
        empty = frozenset()
        return [
            (key, name, kreis_id, self.gemeinde_units.get(key, empty)) for key, (kreis_id, name) in self.kreise_in_order
        ]


def territory() -> Territory:
    land_id, kreise, units, names, arses, kinds = None, {}, defaultdict(set), {}, {}, {}
    rows = register.verwaltungen_and_land().values_list("pk", "kind", "ars", "name")
    for pk, kind, ars, name in rows:
        names[pk], arses[pk], kinds[pk] = name, ars, kind
        if kind == Kind.LAND:
            land_id = pk
            continue
        if kind in Organisation.KREISEBENE_KINDS:
            kreise[kreis_key(ars)] = (pk, name)
        if kind in Organisation.GEMEINDEEBENE_KINDS:
            units[kreis_key(ars)].add(pk)
    return Territory(land_id, kreise, dict(units), names, arses, kinds)


def level_units(level: str, terr: Territory) -> set:
    """The ids of the Verwaltungen that execute a Leistung of `level` (the territory's own sets: not to be changed)."""
    if level == ExecutingLevel.LAND:
        return {terr.land_id} if terr.land_id else set()
    if level == ExecutingLevel.KREIS:
        return terr.kreis_ids
    if level == ExecutingLevel.AMT_GEMEINDE:
        return terr.all_gemeinde_units
    return terr.all_ids


def coverage_of(level: str, online_ids: set, terr: Territory) -> Coverage:
    """Coverage in the federal dashboard's terms from the ids of the Verwaltungen that offer it online."""
    units = level_units(level, terr)
    online = online_ids & units
    coverage = Coverage(kind=NICHT_VERFUEGBAR, online=len(online), units=len(units))
    if not online:
        return coverage
    if level == ExecutingLevel.LAND:
        coverage.kind = LANDESWEIT
        return coverage
    covered = []
    kreis_level = level in (ExecutingLevel.KREIS, ExecutingLevel.BUND, ExecutingLevel.UNCLASSIFIED)
    gemeinde_level = level != ExecutingLevel.KREIS
    for key, name, kreis_id, gemeinde_units in terr.kreis_parts:
        if (kreis_level and kreis_id in online) or (gemeinde_level and gemeinde_units and gemeinde_units <= online):
            covered.append((key, name))
    if (terr.land_id in online) or (terr.kreise and len(covered) == len(terr.kreise)):
        coverage.kind = LANDESWEIT
    elif covered:
        coverage.kind, coverage.kreise = KREISWEIT, covered
    else:
        coverage.kind = MINDESTENS_EINE
    return coverage


def coverage_by_leistung(leistungen=None) -> dict[int, Coverage]:
    """{leistung pk: Coverage}: three queries for any number of Leistungen."""
    leistungen = list(leistungen if leistungen is not None else OzgLeistung.objects.all())
    terr = territory()
    online = defaultdict(set)
    # No ordering: the model's (by OZG-ID and ARS) would join two tables and sort every row to fill sets.
    rows = (
        RolloutStatus.objects.filter(stage__in=ONLINE_STAGES, leistung__in=leistungen)
        .order_by()
        .values_list("leistung_id", "verwaltung_id")
    )
    for leistung_id, verwaltung_id in rows:
        online[leistung_id].add(verwaltung_id)
    return {leistung.pk: coverage_of(leistung.level, online[leistung.pk], terr) for leistung in leistungen}


# --- demo flag and notices ---------------------------------------------------------------------------------


def demo_data_present() -> bool:
    """True while demo statuses exist; cached until the next write (one query per version of READS)."""
    return READS.cached("demo", RolloutStatus.objects.filter(is_demo=True).exists, timeout=DEMO_FLAG_SECONDS)


def portal_notices(request=None) -> list[dict]:
    """Notices for the layout's `portal_notices` (hook this into the context processor)."""
    if not demo_data_present():
        return []
    return [
        {
            "level": "warning",
            "title": _("Beispieldaten"),
            "text": _(
                "Die Umsetzungsstände im OZG-Monitoring sind erfundene Beispieldaten zur Vorführung des Portals. "
                "Sie beschreiben nicht den tatsächlichen Stand in Schleswig-Holstein."
            ),
        }
    ]


portal_notices.cache_scopes = (READS,)  # cached pages show the notice: they are replaced with READS


# --- Verwaltung page ---------------------------------------------------------------------------------------

SIZE_CLASSES = [
    # Dative: the Verwaltung page says "Verwaltungen der Art … mit unter 5.000 Einwohnern".
    (0, 5_000, "unter 5.000 Einwohnern"),
    (5_000, 10_000, "5.000 bis unter 10.000 Einwohnern"),
    (10_000, 20_000, "10.000 bis unter 20.000 Einwohnern"),
    (20_000, 50_000, "20.000 bis unter 50.000 Einwohnern"),
    (50_000, 100_000, "50.000 bis unter 100.000 Einwohnern"),
    (100_000, 10**9, "100.000 und mehr Einwohnern"),
]


def size_class(population: int | None) -> tuple[int, int, str]:
    population = population or 0
    for low, high, label in SIZE_CLASSES:
        if low <= population < high:
            return low, high, label
    return SIZE_CLASSES[-1]


def verwaltung_comparison(verwaltung: Organisation) -> dict:
    """Online count of this Verwaltung against Verwaltungen of the same kind and size class (one query)."""
    low, high, label = size_class(verwaltung.population)
    peers = (
        register.peers(verwaltung, population=(low, high))
        .annotate(online=Count("ozg_statuses", filter=Q(ozg_statuses__stage__in=ONLINE_STAGES)))
        .values_list("pk", "online")
    )
    counts = dict(peers)
    own = counts.get(verwaltung.pk, 0)
    values = sorted(counts.values())
    average = sum(values) / len(values) if values else 0
    rank = 1 + sum(1 for value in values if value > own)
    return {
        "size_class": label,
        "peers": len(values),
        "own": own,
        "average": round(average, 1),
        "median": values[len(values) // 2] if values else 0,
        "rank": rank,
    }


def verwaltung_summary(verwaltung: Organisation, statuses) -> dict:
    """The figures a Verwaltung's page opens with: its recorded statuses by stage, and how many Leistungen it is
    responsible for by the recorded Zuständigkeit (`_served`, cached) have no status at all ("ohne Angabe")."""
    counts = defaultdict(int)
    for status in statuses:
        counts[status.stage] += 1
    responsible = {pk for pk, (by_verwaltung, _unassigned) in _served().items() if verwaltung.pk in by_verwaltung}
    return {
        "online": sum(counts[stage] for stage in ONLINE_STAGES),
        "in_umsetzung": counts[Stage.IN_UMSETZUNG],
        "geplant": counts[Stage.GEPLANT],
        "nicht_geplant": counts[Stage.NICHT_GEPLANT],
        "responsible": len(responsible),
        "ohne_angabe": len(responsible - {status.leistung_id for status in statuses}),
    }


def leistungen_without_status(verwaltung_ids) -> dict[int, set[int]]:
    """{Verwaltung id: ids of the Leistungen it is responsible for by the recorded Zuständigkeit (`_served`,
    cached) that have no status of it}: what is missing. A Leistung whose Zuständigkeit is not recorded is not
    counted (unknown, not missing). One query (the statuses' keys) besides the cached read."""
    verwaltung_ids = set(verwaltung_ids)
    missing = {pk: set() for pk in verwaltung_ids}
    for leistung_pk, (by_verwaltung, _unassigned) in _served().items():
        for verwaltung_pk in verwaltung_ids & set(by_verwaltung):
            missing[verwaltung_pk].add(leistung_pk)
    if verwaltung_ids:
        keys = RolloutStatus.objects.filter(verwaltung_id__in=verwaltung_ids).values_list(
            "verwaltung_id", "leistung_id"
        )
        for verwaltung_pk, leistung_pk in keys:
            missing[verwaltung_pk].discard(leistung_pk)
    return missing


# --- dashboard ---------------------------------------------------------------------------------------------


def _share(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def stage_counts(**filters) -> dict[str, int]:
    """{stage: number of statuses} of the statuses matching `filters`. All of them: on PostgreSQL the sum of the
    running tally (ozg_monitoring/tally.py: a few rows, kept by triggers in every writing transaction, so as exact
    as a count), elsewhere counted. Filtered: counted in the database; COUNT(*), not COUNT(id), so that PostgreSQL
    counts from an index alone (for one Leistung the one on (Leistung, Verwaltung))."""
    if not filters and tally.available():
        rows = StageTally.objects.order_by().values_list("stage").annotate(total=Sum("n")).filter(total__gt=0)
        return dict(rows)
    return dict(RolloutStatus.objects.filter(**filters).order_by().values_list("stage").annotate(n=Count("*")))


def dashboard_frame(year: int) -> dict:
    """What the dashboard shows of the register, the catalogue, the Fokusleistungen of `year`, the plans and the
    Monatsstände, as plain data, cached in `FRAME`: none of it changes with a status (seven queries when computed)."""

    def compute():
        land = register.land()
        return {
            "territory": territory(),
            "population": land.population if land is not None else None,
            "leistungen": list(OzgLeistung.objects.values("pk", "ozg_id", "name", "level", "themenfeld_id")),
            "themenfelder": list(Themenfeld.objects.order_by(german("name")).values("pk", "name", "catalogue_id")),
            "fokus": [
                {
                    "leistung_id": fokus.leistung_id,
                    "ozg_id": fokus.leistung.ozg_id,
                    "name": fokus.leistung.name,
                    "level": fokus.leistung.level,
                    "is_demo": fokus.is_demo,
                }
                for fokus in Fokusleistung.objects.filter(year=year)
                .select_related("leistung")
                .order_by(german("leistung__name"))
            ],
            "series": list(
                MonthlySnapshot.objects.order_by("date").values("date", "statuses", "online", "leistungen_online")
            ),
            "plans": plan_targets(),
        }

    return FRAME.cached(f"dashboard-frame:{year}", compute, timeout=FRAME_SECONDS)


def dashboard_data(*, year: int | None = None) -> dict:
    """Everything the dashboard shows, as plain data (cacheable). A fixed number of queries: its frame
    (`dashboard_frame`, cached on its own) and three reads of the statuses."""
    year = year or timezone.localdate().year
    frame = dashboard_frame(year)
    terr, leistungen = frame["territory"], frame["leistungen"]
    counts = stage_counts()
    # grouped_ids drops the model's ordering (by OZG-ID and ARS), which would join two tables and sort every online
    # status; PostgreSQL reads the pairs from the partial index `rolloutstatus_online_pair` alone.
    online = defaultdict(
        set, grouped_ids(RolloutStatus.objects.filter(stage__in=ONLINE_STAGES), by="leistung_id", ids="verwaltung_id")
    )
    statuses_total = sum(counts.values())
    online_total = sum(counts.get(stage, 0) for stage in ONLINE_STAGES)
    in_sh = [row for row in leistungen if row["level"] != ExecutingLevel.BUND]
    coverage_counts = defaultdict(int)
    for row in in_sh:
        coverage_counts[coverage_of(row["level"], online[row["pk"]], terr).kind] += 1

    # Bars per Themenfeld: Leistungen with at least one online service.
    themenfelder = frame["themenfelder"]
    by_tf = defaultdict(lambda: [0, 0])
    for row in in_sh:
        by_tf[row["themenfeld_id"]][1] += 1
        if online[row["pk"]]:
            by_tf[row["themenfeld_id"]][0] += 1
    themenfeld_rows = [
        {
            "name": tf["name"],
            "catalogue_id": tf["catalogue_id"],
            "online": by_tf[tf["pk"]][0],
            "total": by_tf[tf["pk"]][1],
            "share": _share(*by_tf[tf["pk"]]),
        }
        for tf in themenfelder
    ]

    # Maps: share of the Leistungen of its own level that a Verwaltung offers online.
    kreis_leistungen = [row["pk"] for row in leistungen if row["level"] == ExecutingLevel.KREIS]
    gemeinde_leistungen = [row["pk"] for row in leistungen if row["level"] == ExecutingLevel.AMT_GEMEINDE]
    # id -> number of Kreis-level / Amt-level Leistungen it offers online (counted in C: about a million pairs at
    # Germany scale, bench/README.md)
    kreis_online = Counter(chain.from_iterable(online[pk] for pk in kreis_leistungen))
    gemeinde_online = Counter(chain.from_iterable(online[pk] for pk in gemeinde_leistungen))
    kreis_rows = [
        {
            "key": key,
            "ars": terr.ars[pk],
            "name": name,
            "online": kreis_online[pk],
            "total": len(kreis_leistungen),
            "share": _share(kreis_online[pk], len(kreis_leistungen)),
        }
        for key, (pk, name) in terr.kreise_in_order
    ]
    unit_rows = sorted(
        (
            {
                "key": verband_key(terr.ars[pk]),
                "ars": terr.ars[pk],
                "name": terr.names[pk],
                "kind": terr.kinds[pk],
                "online": gemeinde_online[pk],
                "total": len(gemeinde_leistungen),
                "share": _share(gemeinde_online[pk], len(gemeinde_leistungen)),
            }
            for pk in terr.all_gemeinde_units
        ),
        key=lambda row: row["ars"],
    )

    # Fokusleistungen of the year: share of the Verwaltungen of their level offering them.
    fokus_rows = []
    for fokus in frame["fokus"]:
        units = level_units(fokus["level"], terr)
        count = len(online[fokus["leistung_id"]] & units)
        fokus_rows.append(
            {
                "ozg_id": fokus["ozg_id"],
                "name": fokus["name"],
                "online": count,
                "total": len(units),
                "share": _share(count, len(units)),
                "entry": {"is_demo": fokus["is_demo"]},  # marked "Beispiel" on the dashboard
            }
        )

    residents = resident_coverage(
        online,
        leistungen=leistungen,
        fokus_ids={fokus["leistung_id"] for fokus in frame["fokus"] if not fokus["is_demo"]},
        themenfelder=themenfelder,
        population=frame["population"],
    )
    plans = plan_progress(kreis_names={key: name for key, (_pk, name) in terr.kreise.items()}, plans=frame["plans"])
    return {
        "as_of": timezone.now(),
        "year": year,
        "leistungen_total": len(leistungen),
        "leistungen_in_sh": len(in_sh),
        "leistungen_online": sum(1 for row in in_sh if online[row["pk"]]),
        "statuses_total": statuses_total,
        "online_total": online_total,
        "online_share": _share(online_total, statuses_total),
        "stage_counts": counts,
        "coverage_counts": dict(coverage_counts),
        "themenfelder": themenfeld_rows,
        "kreise": kreis_rows,
        "units": unit_rows,
        "fokus": fokus_rows,
        "series": frame["series"],
        "plans": plans,
        "residents": residents,
    }


def _served() -> dict:
    """{leistung pk: (residents per Verwaltung id, residents with no one office known)} for every Leistung a body
    of SH executes (responsibility.population_served), cached until the Zuständigkeit, catalogue or register
    change."""

    def compute():
        from .responsibility import population_served

        leistungen = OzgLeistung.objects.exclude(level=ExecutingLevel.BUND)
        return {pk: (served.by_verwaltung, served.unassigned) for pk, served in population_served(leistungen).items()}

    return RESPONSIBILITY.cached("served", compute, timeout=RESPONSIBILITY_SECONDS)


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def resident_coverage(
    online: dict, *, leistungen: list[dict], fokus_ids: set[int], themenfelder: list[dict], population: int | None
) -> dict:
    """The headline that answers a citizen (issue 16, point 5): for each Leistung a Land, Kreis or Amt body executes
    (where its Zuständigkeit is recorded), the share of SH's residents whose responsible Verwaltung offers it online
    (stage online or Ende-zu-Ende); residents with no one responsible office known count as not reached. The
    median over those Leistungen, their distribution, per Themenfeld and for the sourced Fokusleistungen.
    `online`: {leistung pk: Verwaltung ids with it online}; `population`: the Land's (None: not known, from the
    dashboard's frame). No query of its own but the cached mapping."""
    served = _served()
    # The Land's population; without it (a test register), all residents any one Leistung is resolved for.
    any_row = next(iter(served.values()), ({}, 0))
    population = population or (any_row[1] + sum(any_row[0].values()))
    shares = {}
    for pk, (by_verwaltung, _unassigned) in served.items():
        reached = sum(people for verwaltung_id, people in by_verwaltung.items() if verwaltung_id in online.get(pk, ()))
        shares[pk] = 100 * reached / population if population else 0.0  # in per cent
    rows = {row["pk"]: row for row in leistungen}
    counted = [pk for pk in shares if pk in rows]
    steps = []
    for index, low in enumerate(RESIDENT_SHARE_STEPS):
        high = RESIDENT_SHARE_STEPS[index + 1] if index + 1 < len(RESIDENT_SHARE_STEPS) else None
        count = sum(1 for pk in counted if shares[pk] >= low and (high is None or shares[pk] < high))
        steps.append({"low": low, "high": high, "count": count})
    by_themenfeld = []
    for tf in themenfelder:
        values = [shares[pk] for pk in counted if rows[pk]["themenfeld_id"] == tf["pk"]]
        if values:
            by_themenfeld.append({"name": tf["name"], "count": len(values), "median": _median(values)})
    fokus = [
        {"name": rows[pk]["name"], "ozg_id": rows[pk]["ozg_id"], "share": shares[pk]}
        for pk in sorted(fokus_ids, key=lambda pk: german_key(rows[pk]["name"] if pk in rows else ""))
        if pk in shares and pk in rows
    ]
    return {
        "population": population,
        "leistungen": len(counted),
        "median": _median([shares[pk] for pk in counted]),
        "none": sum(1 for pk in counted if shares[pk] == 0),
        "all": sum(1 for pk in counted if shares[pk] >= 99.95),
        "steps": steps,
        "themenfelder": by_themenfeld,
        "fokus": fokus,
    }


STAGE_RANK = {value: rank for rank, value in enumerate(Stage.values)}


def _target_reached(stage: str | None, target_stage: str) -> bool:
    """A plan target is reached when the current stage is the target stage or a later one."""
    return stage is not None and STAGE_RANK[stage] >= STAGE_RANK[target_stage]


def plan_targets() -> dict:
    """Every plan and its targets as plain data (two queries): `plans` [(pk, name, slug, year)] and `targets`
    [(plan, Leistung, Verwaltung, Verwaltung's ARS, due, target stage)]."""
    return {
        "plans": list(RolloutPlan.objects.order_by("pk").values_list("pk", "name", "slug", "year")),
        "targets": list(
            RolloutTarget.objects.values_list(
                "plan_id", "leistung_id", "verwaltung_id", "verwaltung__ars", "due", "target_stage"
            )
        ),
    }


def plan_progress(
    today: datetime.date | None = None, *, kreis_names: dict | None = None, plans: dict | None = None
) -> list[dict]:
    """Plan versus actual for every plan: totals, per Kreis (two queries, one with `plans` from `plan_targets`).
    `by_kreis` is {Kreis key: targets, achieved and the Kreis's name from `kreis_names` (None where it is not
    known)}, in German order of the names."""
    today = today or timezone.localdate()
    plans = plans if plans is not None else plan_targets()
    targets = plans["targets"]
    statuses = {}
    result = {
        pk: {
            "name": name,
            "slug": slug,
            "year": year,
            "targets": 0,
            "achieved": 0,
            "overdue": 0,
            "by_kreis": defaultdict(lambda: [0, 0]),
        }
        for pk, name, slug, year in plans["plans"]
    }
    if targets:
        pairs_leistungen = {row[1] for row in targets}
        pairs_verwaltungen = {row[2] for row in targets}
        statuses = {
            (leistung_id, verwaltung_id): stage
            for leistung_id, verwaltung_id, stage in RolloutStatus.objects.filter(
                leistung_id__in=pairs_leistungen, verwaltung_id__in=pairs_verwaltungen
            ).values_list("leistung_id", "verwaltung_id", "stage")
        }
    for plan_id, leistung_id, verwaltung_id, ars, due, target_stage in targets:
        entry = result[plan_id]
        achieved = _target_reached(statuses.get((leistung_id, verwaltung_id)), target_stage)
        entry["targets"] += 1
        entry["achieved"] += achieved
        entry["overdue"] += (not achieved) and due < today
        kreis = entry["by_kreis"][kreis_key(ars)]
        kreis[0] += 1
        kreis[1] += achieved
    rows = []
    for entry in result.values():
        entry["share"] = _share(entry["achieved"], entry["targets"])
        names = kreis_names or {}
        entry["by_kreis"] = {
            key: {"targets": t, "achieved": a, "name": names.get(key)}
            for key, (t, a) in sorted(
                entry["by_kreis"].items(), key=lambda item: (german_key(names.get(item[0])), item[0])
            )
        }
        rows.append(entry)
    return sorted(rows, key=lambda row: (-row["year"], german_key(row["name"])))


def plan_progress_for_verwaltung(verwaltung, today: datetime.date | None = None) -> list[dict]:
    """Plan versus actual for one Verwaltung: every plan with targets here, each target with its due date, the
    current stage and whether it is reached or overdue, and the plan's totals (two queries)."""
    today = today or timezone.localdate()
    targets = list(
        RolloutTarget.objects.filter(verwaltung=verwaltung)
        .select_related("plan", "leistung")
        .order_by("-plan__year", "plan__name", "due", "leistung__name")
    )
    stages = {}
    if targets:
        stages = dict(
            RolloutStatus.objects.filter(
                verwaltung=verwaltung, leistung_id__in={target.leistung_id for target in targets}
            ).values_list("leistung_id", "stage")
        )
    plans: dict[int, dict] = {}
    for target in targets:
        entry = plans.setdefault(
            target.plan_id, {"plan": target.plan, "rows": [], "targets": 0, "achieved": 0, "overdue": 0}
        )
        stage = stages.get(target.leistung_id)
        achieved = _target_reached(stage, target.target_stage)
        overdue = not achieved and target.due < today
        entry["rows"].append(
            {
                "leistung": target.leistung,
                "due": target.due,
                "target_stage": target.get_target_stage_display(),
                "stage": Stage(stage).label if stage else _("nicht gemeldet"),
                "achieved": achieved,
                "overdue": overdue,
            }
        )
        entry["targets"] += 1
        entry["achieved"] += achieved
        entry["overdue"] += overdue
    for entry in plans.values():
        entry["share"] = _share(entry["achieved"], entry["targets"])
    return list(plans.values())


# --- history replay ----------------------------------------------------------------------------------------

#: Rows fetched per round trip while replaying.
REPLAY_CHUNK = 5000


def status_states_as_of(days, *, fields, keep=()):
    """The one replay of the history: every status as of 00:00 (local time) of each of `days`, newest day first,
    as (day, {status_id: {name: value}}). Today's values of `fields` (tracked fields, in the history's JSON form:
    provider as id, dates as ISO strings) with every later event undone, walking the history backwards once; a
    status created after the day is left out. Each state also holds `leistung_id`, `verwaltung_id` and the `keep`
    columns as they are today. Two queries for any number of days. The dict is changed in place from one day to
    the next: take what you need before asking for the next day.

    Used by the monthly snapshots (`services.snapshot_create`) and the open-data Monatsstände
    (`opendata.selectors.status_states_at`)."""
    days = sorted(set(days), reverse=True)
    if not days:
        return
    columns = {name: "provider_id" if name == "provider" else name for name in fields}
    states: dict[int, dict] = {}
    for row in (
        RolloutStatus.objects.order_by()
        .values("pk", "leistung_id", "verwaltung_id", *keep, *columns.values())
        .iterator(chunk_size=REPLAY_CHUNK)
    ):
        state = {name: row[name] for name in ("leistung_id", "verwaltung_id", *keep)}
        for name, column in columns.items():
            value = row[column]
            state[name] = value.isoformat() if isinstance(value, datetime.date) else value
        states[row["pk"]] = state
    since = _day_start(days[-1])
    events = (
        StatusEvent.objects.filter(changed_at__gte=since)
        .order_by("-changed_at", "-id")
        .values_list("status_id", "action", "old_values", "changed_at")
        .iterator(chunk_size=REPLAY_CHUNK)
    )
    event = next(events, None)
    for day in days:
        cutoff = _day_start(day)
        while event is not None and event[3] >= cutoff:
            status_id, action, old_values, _when = event
            if action == StatusEvent.Action.CREATED:
                states.pop(status_id, None)
            elif status_id in states:
                for name in fields:
                    if name in old_values:
                        states[status_id][name] = old_values[name]
            event = next(events, None)
        yield day, states


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def latest_link_checks():
    """The last LinkCheck of every status that has one (the highest id: checks are append-only), as a queryset."""
    from django.db.models import Max

    from .models import LinkCheck

    latest = LinkCheck.objects.values("status").annotate(last=Max("pk")).values("last")
    return LinkCheck.objects.filter(pk__in=latest)


def last_check_for(statuses) -> dict:
    """{status id: its last LinkCheck} for the given statuses (objects, ids or a queryset); statuses never checked
    are missing. One query, however many statuses."""
    from django.db.models import Max, QuerySet

    from .models import LinkCheck

    if isinstance(statuses, QuerySet):
        ids = statuses.values("pk")
    else:
        ids = [getattr(status, "pk", status) for status in statuses]
        if not ids:
            return {}
    latest = LinkCheck.objects.filter(status__in=ids).values("status").annotate(last=Max("pk")).values("last")
    return {check.status_id: check for check in LinkCheck.objects.filter(pk__in=latest)}


def with_last_checks(statuses):
    """Sets `last_check` on each status: its last link check of its current URL (None if never checked, or checked
    only at an address it no longer has), for "zuletzt erreichbar am …" (templates/ozg_monitoring/_reachability.html).
    One query; none without statuses with a URL. Returns the statuses."""
    statuses = [status for status in statuses if status is not None]
    with_url = [status for status in statuses if status.url]
    checks = last_check_for(with_url) if with_url else {}
    for status in statuses:
        check = checks.get(status.pk)
        status.last_check = check if check is not None and check.url == status.url else None
    return statuses
