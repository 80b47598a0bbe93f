"""Deterministic demo content: a rollout status for every Verwaltung that executes a Leistung (as the sourced
Zuständigkeit says: `responsibility.executing_verwaltungen`), 24 months of history and the monthly snapshots, so
that the dashboard has something to show. Leistungen whose Zuständigkeit is not recorded get no demo status, and
the demo assigns no executing level: levels come from the sourced data (`import_zustaendigkeit`), never from the
demo. Everything is flagged (`is_demo`, channel and source kind "demo"), and every public page shows a
"Beispieldaten" notice while it is present. Never loaded where settings.DEMO_CONTENT_ENABLED is false.

Loading again replaces the previous demo rows with the same ones (same seed, same day): idempotent. Real
statuses (not demo) are never touched; a pair that has a real status gets no demo status."""

import bisect
import datetime
import random
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from audit.context import suppressed as audit_suppressed
from audit.models import Action
from audit.services import Record, audit_record_many
from common.authorization import Rule
from common.provenance import Channel, SourceKind
from common.sql import fast_insert
from organisations import selectors as register
from organisations.models import Organisation

from .models import (
    ONLINE_STAGES,
    Basisdienst,
    ExecutingLevel,
    Fokusleistung,
    MonthlySnapshot,
    OzgLeistung,
    RolloutPlan,
    RolloutStatus,
    RolloutTarget,
    Stage,
    StatusEvent,
)
from .responsibility import executing_verwaltungen
from .services import EVENT_FIELDS, TRACKED_FIELDS, snapshot_aggregates

DEFAULT_SEED = 2019  # the year ITV.SH started operating
#: Demo content is loaded and removed by the command (the system actor) or a superuser: no group may delete statuses.
DEMO_WRITE = Rule(
    action=_lazy("Beispieldaten laden oder entfernen"),
    perms=("ozg_monitoring.add_rolloutstatus", "ozg_monitoring.delete_rolloutstatus"),
)
EFA_PROVIDERS = ["Freie und Hansestadt Hamburg", "Land Hessen", "Freistaat Bayern", "Land Bremen"]
Kind = Organisation.Kind


@dataclass
class DemoResult:
    statuses: int = 0
    events: int = 0
    snapshots: int = 0


def _month_start(day: datetime.date, months_back: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 - months_back
    return datetime.date(index // 12, index % 12 + 1, 1)


def _require_enabled():
    if not getattr(settings, "DEMO_CONTENT_ENABLED", False):
        raise ImproperlyConfigured(
            "Beispieldaten sind abgeschaltet (DEMO_CONTENT_ENABLED=false); in dieser Umgebung wird nichts geladen."
        )


def _audit_summary(action: str, label: str, changes: dict, *, by) -> None:
    """Demo rows are generated and flagged: the audit trail gets one entry per load or removal, not one per row."""
    audit_record_many(
        model=RolloutStatus, by=by, records=[Record(action=action, object_id="", label=label, changes=changes)]
    )


@dataclass
class DemoRemoval:
    """What `demo_remove` removed and what it kept (counts per kind; the kept rows' reasons)."""

    statuses: int = 0
    events: int = 0
    snapshots: int = 0
    fokusleistungen: int = 0
    basisdienste: int = 0
    plans: int = 0
    levels: int = 0
    #: demo statuses someone wrote after loading, made real earlier (their history holds the demo events)
    kept_real: int = 0
    #: statuses still flagged demo but with a write that is not the demo's (written before writes cleared the
    #: flag): kept with their history, made real now
    kept_touched: int = 0

    @property
    def removed(self) -> int:
        return self.statuses + self.snapshots + self.fokusleistungen + self.basisdienste + self.plans

    def lines(self) -> list[str]:
        """The command's report, in German."""
        lines = [
            f"Beispieldaten entfernt: {self.statuses} Umsetzungsstände (mit {self.events} Änderungen), "
            f"{self.snapshots} Monatsstände, {self.fokusleistungen} Fokusleistungen, {self.basisdienste} "
            f"Basisdienste, {self.plans} Roll-out-Pläne; {self.levels} Beispiel-Vollzugsebenen zurückgesetzt."
        ]
        if self.kept_real or self.kept_touched:
            lines.append(
                f"Behalten: {self.kept_real + self.kept_touched} Umsetzungsstände aus Beispieldaten, weil sie seit "
                f"dem Laden geschrieben wurden (Verwaltungsoberfläche, API oder Import); ihr Verlauf bleibt."
            )
            if self.kept_touched:
                lines.append(
                    f"Davon {self.kept_touched} noch als Beispieldaten markiert: jetzt als echte Angaben geführt "
                    f"(Herkunft aus ihrer letzten Änderung)."
                )
        else:
            lines.append(
                "Behalten: keine Umsetzungsstände aus Beispieldaten (niemand hat sie seit dem Laden geändert)."
            )
        return lines


def _demo_event_statuses():
    """Ids of statuses that have at least one demo event."""
    return StatusEvent.objects.filter(source_kind=SourceKind.DEMO).values("status_id")


@transaction.atomic
@audit_suppressed()
def demo_remove(*, by) -> DemoRemoval:
    """Removes what nobody touched since loading: demo statuses (still `is_demo`, and no event that is not the
    demo's) with their history, demo snapshots, the demo Fokusleistungen, Basisdienste and Roll-out-Pläne (with
    their targets) still flagged demo; demo levels go back to "default". A status still flagged demo that was
    written otherwise (before writes cleared the flag) is kept and made real, its source kind taken from its last
    write. Returns the counts of both."""
    DEMO_WRITE.require(by)
    result = DemoRemoval()
    touched = RolloutStatus.objects.filter(is_demo=True).filter(
        pk__in=StatusEvent.objects.exclude(source_kind=SourceKind.DEMO).values("status_id")
    )
    for status in touched:
        last = status.events.exclude(source_kind=SourceKind.DEMO).order_by("-changed_at", "-id").first()
        RolloutStatus.objects.filter(pk=status.pk).update(
            is_demo=False, source_kind=last.source_kind, source_at=last.changed_at
        )
        result.kept_touched += 1
    result.kept_real = (
        RolloutStatus.objects.filter(is_demo=False, pk__in=_demo_event_statuses()).count() - result.kept_touched
    )
    untouched = RolloutStatus.objects.filter(is_demo=True)
    result.events = StatusEvent.objects.filter(status__in=untouched).count()
    result.statuses = untouched.count()
    if result.statuses:
        untouched.delete()  # with their history: StatusEvent cascades (AppendOnlyModel lets cascades go)
    result.snapshots, _ = MonthlySnapshot.objects.filter(is_demo=True).delete()
    result.fokusleistungen, _ = Fokusleistung.objects.filter(is_demo=True).delete()
    result.basisdienste, _ = Basisdienst.objects.filter(is_demo=True).delete()
    result.plans = RolloutPlan.objects.filter(is_demo=True).count()
    RolloutPlan.objects.filter(is_demo=True).delete()
    result.levels = OzgLeistung.objects.filter(level_source=OzgLeistung.LevelSource.DEMO).update(
        level=ExecutingLevel.UNCLASSIFIED, level_source=OzgLeistung.LevelSource.DEFAULT
    )
    if result.removed or result.kept_touched:
        _audit_summary(
            Action.DELETED,
            "Beispieldaten entfernt",
            {
                "statuses": result.statuses,
                "events": result.events,
                "snapshots": result.snapshots,
                "fokusleistungen": result.fokusleistungen,
                "basisdienste": result.basisdienste,
                "plans": result.plans,
                "kept_real": result.kept_real,
                "kept_touched": result.kept_touched,
            },
            by=by,
        )
    return result


MIN_MONTHS = 4  # the history of one status needs a month per step


@transaction.atomic
@audit_suppressed()
def demo_load(*, by, seed: int = DEFAULT_SEED, today: datetime.date | None = None, months: int = 24) -> DemoResult:
    DEMO_WRITE.require(by)
    _require_enabled()
    if months < MIN_MONTHS:
        # The longest path (nicht geplant → … → Ende-zu-Ende) takes four steps, each in a month of its own.
        raise ValidationError(f"--months muss mindestens {MIN_MONTHS} sein (angegeben: {months}).")
    today = today or timezone.localdate()
    verwaltungen = list(register.verwaltungen().order_by("ars"))
    land = register.land()
    if not verwaltungen or land is None:
        raise ValidationError("Das Register fehlt: bitte zuerst `manage.py import_register` ausführen.")
    leistungen = list(OzgLeistung.objects.order_by("ozg_id"))
    if not leistungen:
        raise ValidationError("Der OZG-Katalog fehlt: bitte zuerst `manage.py import_ozg_catalogue` ausführen.")

    demo_remove(by=by)
    result = DemoResult()

    # 1. Where each Leistung is executed (sourced Zuständigkeit, exceptions applied); none where it is unknown.
    orgs = {org.pk: org for org in [land, *verwaltungen]}
    executing = executing_verwaltungen(leistungen)
    targets = {
        leistung.pk: [orgs[pk] for pk in sorted(executing[leistung.pk], key=lambda pk: orgs[pk].ars) if pk in orgs]
        for leistung in leistungen
    }

    # 2. Statuses and their history, generated in memory, then bulk-inserted.
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    affinity = {org.pk: 0.25 + 0.7 * rng.random() for org in [land, *verwaltungen]}
    popularity = {leistung.pk: 0.15 + 0.85 * rng.random() ** 0.7 for leistung in leistungen}
    existing = set(RolloutStatus.objects.values_list("leistung_id", "verwaltung_id"))
    tz = timezone.get_current_timezone()
    now = timezone.now()

    def moment(month: int, day: int) -> datetime.datetime:
        base = _month_start(today, months - month)
        value = datetime.datetime.combine(base, datetime.time(9 + day % 8, (day * 7) % 60), tzinfo=tz)
        return min(value + datetime.timedelta(days=day), now - datetime.timedelta(minutes=1))

    statuses, histories = [], []
    for leistung in leistungen:
        for org in targets[leistung.pk]:
            if (leistung.pk, org.pk) in existing:
                continue
            chance = affinity[org.pk] * popularity[leistung.pk]
            draw = rng.random()
            if draw < chance * 0.85:
                final = Stage.ENDE_ZU_ENDE if rng.random() < 0.2 else Stage.ONLINE
            elif draw < chance + 0.2:
                final = Stage.IN_UMSETZUNG
            elif draw < chance + 0.4:
                final = Stage.GEPLANT
            else:
                final = Stage.NICHT_GEPLANT
            path = [Stage.NICHT_GEPLANT, Stage.GEPLANT, Stage.IN_UMSETZUNG, Stage.ONLINE, Stage.ENDE_ZU_ENDE]
            path = path[: path.index(final) + 1]
            steps = len(path) - 1
            first = rng.randint(0, min(6, months - steps)) if steps else 0
            months_used = sorted(rng.sample(range(first + 1, months + 1), steps)) if steps else []
            state = dict.fromkeys(TRACKED_FIELDS)
            state.update(
                stage=path[0],
                maturity_model="2.0",
                maturity_level=0,
                url="",
                provider=None,
                provider_name="",
                platform="",
                planned_go_live=None,
                actual_go_live=None,
                note="",
            )
            events = [(moment(first, rng.randint(0, 20)), "created", {}, _json(state))]
            for month, stage in zip(months_used, path[1:], strict=True):
                old = dict(state)
                when = moment(month, rng.randint(0, 25))
                state["stage"] = stage
                if stage == Stage.GEPLANT:
                    state["planned_go_live"] = _month_start(today, months - min(month + rng.randint(4, 14), 40))
                if stage == Stage.IN_UMSETZUNG:
                    state["maturity_level"] = 1
                if stage in ONLINE_STAGES:
                    state["maturity_level"] = rng.randint(5, 7) if stage == Stage.ENDE_ZU_ENDE else rng.randint(2, 4)
                    if not state["url"]:
                        state["url"] = f"https://dienste.beispiel.example/{org.ars}/{leistung.ozg_id}"
                        state["actual_go_live"] = timezone.localtime(when).date()
                        platform = rng.choices(["own", "ozg_cloud", "efa"], weights=[3, 4, 3])[0]
                        state["platform"] = platform
                        if platform == "efa":
                            state["provider_name"] = rng.choice(EFA_PROVIDERS)
                new = _json(state)
                old_json = _json(old)
                changed = {key for key in new if new[key] != old_json[key]}
                events.append((when, "changed", {k: old_json[k] for k in changed}, {k: new[k] for k in changed}))
            status = RolloutStatus(
                leistung=leistung,
                verwaltung=org,
                version=len(events),
                is_demo=True,
                source_kind=SourceKind.DEMO,
                source_at=events[-1][0],
                created_at=events[0][0],
                updated_at=events[-1][0],
                **{key: value for key, value in state.items() if key != "provider"},
            )
            statuses.append(status)
            histories.append(events)
    status_fields = [
        "leistung",
        "verwaltung",
        "version",
        "is_demo",
        "source_kind",
        "source_at",
        "created_at",
        "updated_at",
        *[name for name in TRACKED_FIELDS if name != "provider"],
    ]
    fast_insert(
        RolloutStatus,
        status_fields,
        (
            tuple(
                getattr(
                    status, "leistung_id" if name == "leistung" else "verwaltung_id" if name == "verwaltung" else name
                )
                for name in status_fields
            )
            for status in statuses
        ),
    )
    ids = {
        (leistung_id, verwaltung_id): pk
        for pk, leistung_id, verwaltung_id in RolloutStatus.objects.filter(is_demo=True).values_list(
            "pk", "leistung_id", "verwaltung_id"
        )
    }
    for status in statuses:
        status.pk = ids[(status.leistung_id, status.verwaltung_id)]
    event_rows = [
        (status.pk, status.leistung_id, status.verwaltung_id, action, old, new, when, Channel.DEMO, SourceKind.DEMO)
        for status, events in zip(statuses, histories, strict=True)
        for when, action, old, new in events
    ]
    fast_insert(
        StatusEvent,
        EVENT_FIELDS,
        event_rows,
    )
    result.statuses, result.events = len(statuses), len(event_rows)

    # 3. Monthly snapshots from the in-memory history (the first of each month, state at its start).
    leistung_themenfeld = {
        leistung.pk: leistung.themenfeld.catalogue_id for leistung in OzgLeistung.objects.select_related("themenfeld")
    }
    verwaltung_ars = {org.pk: org.ars for org in [land, *verwaltungen]}
    real = list(
        RolloutStatus.objects.filter(is_demo=False).values_list(
            "leistung_id", "verwaltung_id", "stage", "maturity_level"
        )
    )
    timelines = []  # per demo status: times and (stage, level) after each event
    for status, events in zip(statuses, histories, strict=True):
        times, values, stage, level = [], [], None, None
        for when, _action, _old, new in events:
            stage, level = new.get("stage", stage), new.get("maturity_level", level)
            times.append(when)
            values.append((stage, level))
        timelines.append((status.leistung_id, status.verwaltung_id, times, values))
    snapshots = []
    for back in range(months, -1, -1):
        day = _month_start(today, back)
        cutoff = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
        states = list(real)
        for leistung_id, verwaltung_id, times, values in timelines:
            position = bisect.bisect_left(times, cutoff)
            if position:
                stage, level = values[position - 1]
                states.append((leistung_id, verwaltung_id, stage, level))
        aggregates = snapshot_aggregates(states, leistung_themenfeld=leistung_themenfeld, verwaltung_ars=verwaltung_ars)
        snapshots.append(
            MonthlySnapshot(
                date=day,
                statuses=aggregates["statuses"],
                online=aggregates["online"],
                leistungen_online=aggregates["leistungen_online"],
                aggregates=aggregates,
                is_demo=True,
            )
        )
    MonthlySnapshot.objects.filter(date__in=[snapshot.date for snapshot in snapshots]).delete()
    MonthlySnapshot.objects.bulk_create(snapshots)
    result.snapshots = len(snapshots)

    # 4. Managed lists the dashboard shows: Basisdienst OZG-Cloud, Fokusleistungen and a plan (demo-named).
    demo_flags = {"is_demo": True, "source_kind": SourceKind.DEMO, "source_at": timezone.now()}
    Basisdienst.objects.get_or_create(
        name="OZG-Cloud",
        defaults={
            "description": "Gemeinsame Plattform der Kommunen in Schleswig-Holstein für Onlinedienste.",
            **demo_flags,
        },
    )
    candidates = [leistung for leistung in leistungen if targets[leistung.pk]]
    fokus = random.Random(f"{seed}-fokus").sample(candidates, min(8, len(candidates)))  # noqa: S311
    for leistung in fokus:
        Fokusleistung.objects.get_or_create(
            year=today.year, leistung=leistung, defaults={"note": "Beispiel-Fokusleistung", **demo_flags}
        )
    # A demo plan someone has written since is real: it stays as it is, no second plan is made beside it.
    plan, plan_created = RolloutPlan.objects.get_or_create(
        slug=f"beispiel-{today.year}",
        defaults={
            "name": f"Roll-out-Plan {today.year} (Beispiel)",
            "year": today.year,
            "description": "Beispielplan der Demo-Daten: die Fokusleistungen in allen zuständigen Verwaltungen.",
            **demo_flags,
        },
    )
    due = datetime.date(today.year, 12, 31)
    if plan_created:
        RolloutTarget.objects.bulk_create(
            [
                RolloutTarget(plan=plan, leistung=leistung, verwaltung=org, due=due)
                for leistung in fokus
                for org in targets[leistung.pk]
            ]
        )
    _audit_summary(
        Action.CREATED,
        "Beispieldaten geladen",
        {"statuses": result.statuses, "events": result.events, "snapshots": result.snapshots},
        by=by,
    )
    return result


def _json(state: dict) -> dict:
    return {key: value.isoformat() if isinstance(value, datetime.date) else value for key, value in state.items()}
