"""The sync with the federal dashboard: fetch (or read a file), apply the record rule, store a dated record set.

**The record rule** (counted per reason in the set's report; never fatal):

- *skipped* (counted, not stored): the record's ARS lies outside Schleswig-Holstein (`outside_sh`: it does not start
  with 01), is missing (`ars_missing`) or is not 12 digits (`ars_invalid`); the item is not an object
  (`not_an_object`); a table row has more (CSV: or fewer) cells than the header (`malformed_row`).
- *kept* (stored, resolved): an SH record whose `ozgid` is an OZG-Leistung of our catalogue, whose `leika_key` (if
  any) is a LeiKa-Leistung of our catalogue and whose ARS is a body of our register.
- *kept-unresolved* (stored, counted by reason): an SH record with `ozgid` null (`ozgid_null`), not a number
  (`ozgid_invalid`) or unknown (`ozgid_unknown`), an unknown LeiKa key (`leika_unknown`) or an ARS our register
  does not know (`ars_unknown`). Whatever does resolve is linked all the same.

Nulls in other fields are stored as null and counted (`null_fields`); values outside the spec's enumerations
(`online_status`, `aktiv`, `art_flaechendeckung`) are stored as received and counted (`outside_spec`).

A set is written all at once when the sync has read everything; a sync that fails (unreachable, garbage) leaves a
set marked "fehlgeschlagen" with the reason and no records. Nothing here touches a RolloutStatus.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.authorization import verwaltung_scope
from common.authorization import Rule
from common.outbound import OutboundRefused
from organisations import keys
from organisations.models import Organisation
from ozg_monitoring.models import LeikaLeistung, OzgLeistung

from .client import LAND_ARS, SH_PREFIX, FederalClient, FederalUnavailable
from .models import FederalRecord, FederalRecordSet
from .parser import ENUMS, FIELDS, FederalFormatError, Payload, normalize_record, parse_payload

FEDERAL_SYNC = Rule(action=_lazy("Bundes-Dashboard abrufen"), perms=("federal.add_federalrecordset",))
#: A set still "läuft" after this long belongs to a process that ended without finishing it.
STALE_AFTER = timezone.timedelta(hours=12)
REPORT_SOURCES_MAX = 1000
OUTSIDE_SPEC_VALUES_MAX = 20
WRITE_CHUNK = 1000


class FederalSyncError(Exception):
    """The sync failed; the record set is marked failed with `message` (German)."""

    def __init__(self, message: str, record_set: FederalRecordSet):
        self.message, self.record_set = message, record_set
        super().__init__(message)


class RecordCollector:
    """Applies the record rule page by page and keeps the records to store (SH only) and the report."""

    def __init__(self):
        self.leistungen = dict(OzgLeistung.objects.values_list("ozg_id", "pk"))
        self.leika = dict(LeikaLeistung.objects.filter(key__isnull=False).values_list("key", "pk"))
        self.organisations = dict(Organisation.objects.filter(ars__isnull=False).values_list("ars", "pk"))
        self.records: list[FederalRecord] = []
        self.rules = Counter()
        self.skipped = Counter()
        self.unresolved = Counter()
        self.null_fields = Counter()
        self.outside_spec = {name: Counter() for name in ENUMS}
        self.unknown_fields = Counter()
        self.notes = Counter()
        self.sources: list[dict] = []
        self.received = 0
        self._seen = set()

    def add(self, payload: Payload, *, origin: str) -> dict:
        """Applies the rule to one page or file; returns its counts."""
        counts = Counter()
        malformed = int(payload.notes.get("malformed_rows", 0))
        for item in payload.records:
            counts[self._one(item, origin=origin)] += 1
        if malformed:
            counts["skipped"] += malformed
            self.skipped["malformed_row"] += malformed
            self.rules["skipped"] += malformed
        received = len(payload.records) + malformed
        self.received += received
        source = {
            "origin": origin,
            "format": payload.format,
            "received": received,
            "kept": counts["kept"],
            "kept_unresolved": counts["kept_unresolved"],
            "skipped": counts["skipped"],
        }
        notes = {key: value for key, value in payload.notes.items() if key != "malformed_rows"}
        if notes:
            source["notes"] = notes
        if len(self.sources) < REPORT_SOURCES_MAX:
            self.sources.append(source)
        return source

    def _skip(self, reason: str) -> str:
        self.skipped[reason] += 1
        self.rules["skipped"] += 1
        return "skipped"

    def _one(self, item, *, origin: str) -> str:
        if not isinstance(item, dict):
            return self._skip("not_an_object")
        record = normalize_record(item)
        values = record.values
        ars = values["ars"]
        if ars is None:
            return self._skip("ars_missing")
        if not keys.is_any_land_ars(ars):
            return self._skip("ars_invalid")
        if not ars.startswith(SH_PREFIX):
            return self._skip("outside_sh")
        reasons = []
        if values["ozgid"] is None:
            reasons.append("ozgid_invalid" if "ozgid" in record.invalid else "ozgid_null")
        elif values["ozgid"] not in self.leistungen:
            reasons.append("ozgid_unknown")
        if values["leika_key"] is not None and values["leika_key"] not in self.leika:
            reasons.append("leika_unknown")
        if ars not in self.organisations:
            reasons.append("ars_unknown")
        rule = FederalRecord.Rule.KEPT_UNRESOLVED if reasons else FederalRecord.Rule.KEPT
        self.rules[rule] += 1
        self.unresolved.update(reasons)
        self.null_fields.update(name for name in FIELDS if values[name] is None and name not in record.invalid)
        for name, allowed in ENUMS.items():
            if values[name] is not None and values[name] not in allowed:
                self.outside_spec[name][values[name][:80]] += 1
        self.unknown_fields.update(record.unknown_fields)
        self.notes.update(record.notes)
        key = (ars, values["ozgid"], values["leika_key"])
        if key in self._seen:
            self.notes["duplicates"] += 1
        self._seen.add(key)
        self.records.append(
            FederalRecord(
                position=len(self.records) + 1,
                origin=origin[:200],
                **values,
                organisation_id=self.organisations.get(ars),
                leistung_id=self.leistungen.get(values["ozgid"]),
                leika_id=self.leika.get(values["leika_key"]),
                rule=rule,
                reasons=reasons,
                invalid_values=record.invalid,
            )
        )
        return rule

    def report(self) -> dict:
        outside = {
            name: dict(counter.most_common(OUTSIDE_SPEC_VALUES_MAX)) for name, counter in self.outside_spec.items()
        }
        return {
            "rule": {
                "kept": self.rules[FederalRecord.Rule.KEPT],
                "kept_unresolved": self.rules[FederalRecord.Rule.KEPT_UNRESOLVED],
                "skipped": self.rules["skipped"],
            },
            "skipped": dict(sorted(self.skipped.items())),
            "kept_unresolved": dict(sorted(self.unresolved.items())),
            "null_fields": dict(sorted(self.null_fields.items())),
            "outside_spec": {name: values for name, values in outside.items() if values},
            "unknown_fields": dict(self.unknown_fields.most_common(20)),
            "notes": dict(sorted(self.notes.items())),
            "sources": self.sources,
            "sources_truncated": len(self.sources) >= REPORT_SOURCES_MAX,
        }


def _mark_stale_sets_failed() -> None:
    FederalRecordSet.objects.filter(
        status=FederalRecordSet.Status.RUNNING, started_at__lt=timezone.now() - STALE_AFTER
    ).update(
        status=FederalRecordSet.Status.FAILED,
        finished_at=timezone.now(),
        error=_("Abgebrochen: der Abruf wurde nicht beendet (Prozess beendet?)."),
    )


def _fail(record_set: FederalRecordSet, message: str, collector: RecordCollector | None) -> None:
    record_set.status = FederalRecordSet.Status.FAILED
    record_set.error = message
    record_set.finished_at = timezone.now()
    record_set.report = collector.report() if collector else {}
    record_set.received = collector.received if collector else 0
    record_set.save(update_fields=["status", "error", "finished_at", "report", "received", "requested_ars"])


@transaction.atomic
def _finish(record_set: FederalRecordSet, collector: RecordCollector) -> None:
    for record in collector.records:
        record.record_set = record_set
    FederalRecord.objects.bulk_create(collector.records, batch_size=WRITE_CHUNK)
    report = collector.report()
    record_set.status = FederalRecordSet.Status.DONE
    record_set.finished_at = timezone.now()
    record_set.received = collector.received
    record_set.kept = report["rule"]["kept"]
    record_set.kept_unresolved = report["rule"]["kept_unresolved"]
    record_set.skipped = report["rule"]["skipped"]
    record_set.report = report
    record_set.save(
        update_fields=[
            *["status", "finished_at", "received", "kept", "kept_unresolved", "skipped", "report", "requested_ars"]
        ]
    )


def _progress_line(label: str, source: dict, collector: RecordCollector) -> str:
    return _(
        "%(label)s (%(format)s): %(received)d Datensätze, %(kept)d zugeordnet, %(unresolved)d nicht zugeordnet, "
        "%(skipped)d übersprungen; bisher %(stored)d gespeichert"
    ) % {
        "label": label,
        "format": source["format"],
        "received": source["received"],
        "kept": source["kept"],
        "unresolved": source["kept_unresolved"],
        "skipped": source["skipped"],
        "stored": len(collector.records),
    }


def _read_file(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise FederalFormatError(
            _("Die Datei %(path)s ist nicht lesbar (%(reason)s).") % {"path": path, "reason": error.strerror or error}
        ) from None


def federal_sync(
    *,
    by,
    ars: Iterable[str] = (),
    kreise: bool = False,
    all_pages: bool = False,
    files: Iterable[str] = (),
    blobs: Iterable[tuple[str, bytes]] = (),
    client: FederalClient | None = None,
    progress: Callable[[str], None] | None = None,
    page_size: int | None = None,
    filetype: str | None = None,
) -> FederalRecordSet:
    """One record set: from `blobs` ((name, content) of posted files) or `files` (downloaded federal files: no
    network), else from the federal API, for the
    keys `ars` (default: the Land, everything below it), Kreis by Kreis (`kreise`: the keys from /v1/ars) or from
    every page of /v1/data (`all_pages`). Raises FederalSyncError (the set marked failed) when the server is
    unreachable, refuses or answers garbage."""
    from django.conf import settings

    FEDERAL_SYNC.require(by)
    progress = progress or (lambda line: None)
    files, blobs, ars = list(files), list(blobs), [key.strip() for key in ars]
    wrong = [key for key in ars if not keys.is_ars(key)]
    if wrong:
        raise ValidationError(
            {
                "ars": _("Ein Regionalschlüssel aus Schleswig-Holstein hat 12 Ziffern und beginnt mit 01: %(keys)s")
                % {"keys": ", ".join(wrong[:5])}
            }
        )
    page_size = int(page_size or getattr(settings, "FEDERAL_DASHBOARD_PAGE_SIZE", 1000))
    filetype = filetype or getattr(settings, "FEDERAL_DASHBOARD_FILETYPE", "csv")
    if blobs:
        kind, source = FederalRecordSet.Kind.FILE, ", ".join(name for name, _content in blobs)
    elif files:
        kind, source = FederalRecordSet.Kind.FILE, ", ".join(Path(path).name for path in files)
    else:
        client = client or FederalClient(progress=progress)
        kind, source = FederalRecordSet.Kind.API, client.base_url
    _mark_stale_sets_failed()
    record_set = FederalRecordSet.objects.create(
        kind=kind, source=source, requested_ars=ars, started_by=by if getattr(by, "pk", None) else None
    )
    collector = None
    try:
        collector = RecordCollector()
        for label, payload in _payloads(
            record_set,
            files=files,
            blobs=blobs,
            client=client,
            ars=ars,
            kreise=kreise,
            all_pages=all_pages,
            size=page_size,
            filetype=filetype,
        ):
            source_counts = collector.add(payload, origin=label)
            progress(_progress_line(label, source_counts, collector))
    except (FederalUnavailable, FederalFormatError, OutboundRefused) as error:
        _fail(record_set, error.message, collector)
        raise FederalSyncError(error.message, record_set) from None
    except Exception as error:
        _fail(record_set, _("Unerwarteter Fehler (%(kind)s).") % {"kind": type(error).__name__}, collector)
        raise
    _finish(record_set, collector)
    return record_set


def _payloads(record_set, *, files, blobs, client, ars, kreise, all_pages, size, filetype):
    """(label, payload) per page or file; notes the keys asked for in `record_set.requested_ars`."""
    if blobs:
        for name, content in blobs:
            yield name, parse_payload(content)
        return
    if files:
        for path in files:
            yield Path(path).name, parse_payload(_read_file(path))
        return
    if all_pages:
        yield from client.data_pages(size=size)
        return
    keys = ars
    if kreise:
        keys = client.sh_kreise(size=size)
        client.progress(_("/v1/ars: %(n)d Kreise und kreisfreie Städte") % {"n": len(keys)})
        if not keys:
            raise FederalUnavailable(_("/v1/ars nennt keinen Kreis in Schleswig-Holstein."))
    record_set.requested_ars = list(keys or [LAND_ARS])
    for key in record_set.requested_ars:
        yield from client.ars_data(key, size=size, filetype=filetype)


# --- the posted federal file (the API's import door) ------------------------------------------------------------

#: The largest federal file the API takes (a whole Land's CSV is a few megabytes).
IMPORT_MAX_BYTES = 50 * 1024 * 1024


def federal_import(*, by, content: bytes, name: str) -> FederalRecordSet:
    """A posted federal file (JSON page object or list, CSV, XLSX) as a record set of kind "Datei", through the same
    parser and record rule as the sync (rule `FEDERAL_SYNC`). Never writes a status: adopting records is the
    explicit second step (`federal_adopt`). Raises FederalSyncError (German) for an unusable file."""
    FEDERAL_SYNC.require(by)
    return federal_sync(by=by, blobs=[(name[:200], content)])


# --- adoption and explanation (the reconciliation's writes) ------------------------------------------------------

FEDERAL_ADOPT = Rule(
    action=_lazy("Bundes-Dashboard in die Umsetzungsstände übernehmen"),
    perms=("ozg_monitoring.change_rolloutstatus",),
    scope=verwaltung_scope(lambda row: row.verwaltung_id),  # Kommune accounts: only their own Verwaltungen
)
RECONCILIATION_READ = Rule(
    action=_lazy("Abgleich mit dem Bundes-Dashboard lesen"), perms=("federal.view_federalrecord",)
)
RECONCILIATION_EXPLAIN = Rule(
    action=_lazy("Abweichung vom Bundes-Dashboard erklären"),
    perms=("federal.add_reconciliationnote", "federal.change_reconciliationnote"),
)
#: At most this many pairs per adoption or explanation.
PAIRS_LIMIT = 10_000


@dataclass
class AdoptionResult:
    adopted: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: dict = dataclass_field(default_factory=dict)  # reason -> count
    record_set_id: int | None = None


#: Why a pair asked for is not adopted (counted in the result).
SKIP_REASONS = {
    "schon_gleich": _lazy("stimmt schon überein"),
    "bund_nicht_online": _lazy("der Bund nennt die Leistung nicht online („nicht ok“ oder „aktiv: nein“)"),
    "reifegrad_fehlt": _lazy(
        "Reifegrad fehlt: „online verfügbar“ setzt Reifegrad 2 voraus, der Bund nennt keinen (erst erfassen)"
    ),
    "adresse_fehlt": _lazy("weder der Bund noch wir nennen eine Adresse des Dienstes"),
}


def _pair_rows(pairs, result) -> tuple[list, list]:
    """(rows, errors) for the (ars, ozg_id) pairs asked for; errors [{"index", "errors"}] for unknown pairs."""
    from common.messages import message

    if len(pairs) > PAIRS_LIMIT:
        raise ValidationError({"items": [message("ozg.bulk_limit", n=PAIRS_LIMIT)]})
    found = result.by_key()
    rows, errors = [], []
    for index, (ars, ozg_id) in enumerate(pairs):
        row = found.get((ars, ozg_id))
        if row is None:
            errors.append({"index": index, "errors": {"ozg_id": [message("federal.pair_unknown", ars=ars, id=ozg_id)]}})
        else:
            rows.append(row)
    return rows, errors


class PairErrors(ValidationError):
    """Some pairs asked for are not in the reconciliation: nothing was written. `items` holds the per-pair errors."""

    def __init__(self, items: list):
        from common.messages import message

        self.items = items
        super().__init__({"items": [message("federal.pairs_invalid", n=len(items))]})


def _current_reconciliation():
    from common.messages import message

    from .reconciliation import reconciliation

    result = reconciliation()
    if result is None:
        raise ValidationError({"items": [message("federal.no_record_set")]})
    return result


def federal_adopt(*, by, pairs: list[tuple[str, int]]) -> AdoptionResult:
    """Adopts the Bund's view of the pairs (ars, ozg_id) of the newest reconciliation into our statuses, all or
    nothing: where the Bund says online ("ok", not "aktiv: nein") and we differ, the status becomes "online
    verfügbar" (an "Ende-zu-Ende digital" stays) with the Bund's address. The Reifegrad is never touched: a pair
    whose status has none that allows "online" (below 2, or no status yet) is skipped (`reifegrad_fehlt`), as is a
    pair that already agrees or where the Bund does not say online. Written through the bulk upsert with the source
    "Bundes-Dashboard" (history, audit with the caller's door, provenance), with each status's version as read
    (a concurrent change: BulkUpsertError with `conflict`). Kommune accounts adopt only for their Verwaltungen."""
    from audit.context import acting_as
    from common.provenance import SourceKind
    from ozg_monitoring.models import ONLINE_MIN_LEVEL, ONLINE_STAGES, Stage
    from ozg_monitoring.services import BULK_LIMIT, rollout_status_bulk_upsert

    from .reconciliation import Classification, normalize_url

    FEDERAL_ADOPT.require(by)
    result = _current_reconciliation()
    rows, errors = _pair_rows(pairs, result)
    if errors:
        raise PairErrors(errors)
    for row in rows:
        FEDERAL_ADOPT.require(by, row)
    outcome = AdoptionResult(record_set_id=result.record_set_id)
    skipped = Counter()
    items = []
    for row in dict.fromkeys(rows):
        if row.classification == Classification.GLEICH:
            skipped["schon_gleich"] += 1
            continue
        if not row.federal_online:
            skipped["bund_nicht_online"] += 1
            continue
        online = row.stage in ONLINE_STAGES
        if online and (not row.federal_url or normalize_url(row.url) == normalize_url(row.federal_url)):
            skipped["schon_gleich"] += 1
            continue
        if row.status_id is None or row.maturity_level is None or row.maturity_level < ONLINE_MIN_LEVEL:
            skipped["reifegrad_fehlt"] += 1
            continue
        url = row.federal_url or row.url
        if not url:
            skipped["adresse_fehlt"] += 1
            continue
        items.append(
            {
                "ozg_id": row.ozg_id,
                "ars": row.ars,
                "version": row.version,
                "stage": row.stage if online else Stage.ONLINE,
                "url": url,
            }
        )
    with transaction.atomic(), acting_as(source=SourceKind.BUND):
        for start in range(0, len(items), BULK_LIMIT):
            written = rollout_status_bulk_upsert(items=items[start : start + BULK_LIMIT], by=by)
            outcome.created += written.created
            outcome.updated += written.updated
            outcome.unchanged += written.unchanged
    outcome.adopted = outcome.created + outcome.updated
    outcome.skipped = dict(sorted(skipped.items()))
    return outcome


@dataclass
class ExplanationResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0  # pairs that agree: nothing to explain


@transaction.atomic
def reconciliation_explain(*, by, pairs: list[tuple[str, int]], note: str) -> ExplanationResult:
    """Marks the differences of the pairs (ars, ozg_id) of the newest reconciliation as explained with `note`
    (one note per pair; a second explanation replaces the text, the history keeps the old one). Pairs that agree
    are skipped; an unknown pair refuses all."""
    from common.messages import message

    from .models import ReconciliationNote
    from .reconciliation import Classification

    RECONCILIATION_EXPLAIN.require(by)
    note = note.strip() if isinstance(note, str) else ""
    if not note:
        raise ValidationError({"note": [message("federal.note_required")]})
    if len(note) > 2000:
        raise ValidationError({"note": [message("federal.note_too_long", n=2000)]})
    result = _current_reconciliation()
    rows, errors = _pair_rows(pairs, result)
    if errors:
        raise PairErrors(errors)
    outcome = ExplanationResult()
    record_set = FederalRecordSet.objects.get(pk=result.record_set_id)
    for row in dict.fromkeys(rows):
        if row.classification == Classification.GLEICH:
            outcome.skipped += 1
            continue
        entry, created = ReconciliationNote.objects.get_or_create(
            verwaltung_id=row.verwaltung_id,
            leistung_id=row.leistung_id,
            defaults={
                "note": note,
                "classification": row.classification,
                "reasons": list(row.reasons),
                "record_set": record_set,
                "explained_by": by if getattr(by, "pk", None) else None,
            },
        )
        if created:
            outcome.created += 1
            continue
        entry.note, entry.classification, entry.reasons = note, row.classification, list(row.reasons)
        entry.record_set, entry.explained_at = record_set, timezone.now()
        entry.explained_by = by if getattr(by, "pk", None) else None
        entry.full_clean()
        entry.save()
        outcome.updated += 1
    return outcome
