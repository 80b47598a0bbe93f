"""The reconciliation: our statuses beside the Bund's records, per (Verwaltung, OZG-Leistung).

The pairs are every (Verwaltung, OZG-Leistung) with a status of ours in the area the newest completed record set
covers, and every pair a record of that set counts for. Rules (federal/README.md, "Abgleich", says the same):

**Which Verwaltung a record counts for.** The executing level decides (`ozg_monitoring.responsibility.
responsible_for` with the record's body, its OZG-Leistung and, if known, its LeiKa-Leistung): an Amt-level service
reported for a Gemeinde counts for her Amt (or herself when amtsfrei), a Kreis-level one for her Kreis, a
Land-level one for the Land, an exception of the Zuständigkeit for the Verwaltung it names. A record at an Amt or a
Kreis is resolved the same way from that body (a Kreis-level record at an Amt counts for its Kreis; an Amt-level
record at a Kreis has no single Amt and counts for the Kreis). Where the level is unknown, the Bund executes, or the
LeiKa rows of a Leistung split without a LeiKa key: the record counts for its own Verwaltung (the body itself when
it holds statuses, else the Amt of the Gemeinde), with the reason `ebene_unbekannt`.

**Several records of one pair** (the LeiKa-Leistungen of a Leistung, the Gemeinden of one Amt): the Bund says
"online" for the pair when at least one of them is "ok" and not "aktiv: nein" (null counts as not "nein"). Its
addresses are those of these records only (never the address of a "nicht ok" record); the address to adopt is the
one of such a record at the Verwaltung's own ARS, else of the first such record received.

**Classification and reasons** (`Classification`, `Reason`):

- a status, no record: *nur bei uns* (`kein_bundeseintrag`);
- records, no status: *nur beim Bund* (`kein_stand`, plus `bund_nicht_ok` / `bund_aktiv_nein` when the Bund does
  not say "online");
- both, online on both sides (our stage "online verfügbar" or "Ende-zu-Ende digital"): *gleich* when our address
  is one of the Bund's (compared without case of scheme and host, default port and final "/"; a Bund without any
  address is not compared), else *abweichend* (`url_abweichend`);
- both, online only with us: *abweichend* (`bund_nicht_ok`, or `bund_aktiv_nein` when a record is "ok" but not
  active);
- both, online only with the Bund: *abweichend* (`stand_abweichend`);
- both, online on neither side: *gleich*;
- a record whose OZG-Leistung or body is not known (kept-unresolved by the sync): *nur beim Bund*
  (`nicht_zuordenbar`), one row per record.

No Reifegrad is read from "ok": the Bund has none. A pair with a `ReconciliationNote` shows as explained.

**Cost.** One pass in memory over values rows: about ten queries for any number of statuses and records. The
result is a cached read of the OZG scope (`ozg_monitoring.selectors.READS`, which this app extends with its models
in `FederalConfig.ready`): any committed write to a status, the register, the catalogue, the Zuständigkeit, a
record set or a note replaces it, so an adoption shows at once.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urlsplit

from django.db import models
from django.utils.translation import gettext_lazy as _

from organisations import keys
from organisations import selectors as register
from organisations.models import Organisation
from ozg_monitoring.models import ONLINE_STAGES, ExecutingLevel, LeikaLeistung, OzgLeistung, RolloutStatus, Themenfeld
from ozg_monitoring.responsibility import TRUSTED_LEVEL_SOURCES, load_rules, responsible_for, verwaltung_of_level
from ozg_monitoring.selectors import READS

from .client import LAND_ARS
from .models import FederalRecord, FederalRecordSet, ReconciliationNote
from .selectors import latest_record_set

CACHE_SECONDS = 6 * 3600


class Classification(models.TextChoices):
    GLEICH = "gleich", _("gleich")
    NUR_BEI_UNS = "nur_bei_uns", _("nur bei uns")
    NUR_BEIM_BUND = "nur_beim_bund", _("nur beim Bund")
    ABWEICHEND = "abweichend", _("abweichend")


class Reason(models.TextChoices):
    STAGE_DIFFERS = "stand_abweichend", _("Stand weicht ab: beim Bund online, bei uns nicht")
    URL_DIFFERS = "url_abweichend", _("Adresse weicht ab")
    BUND_NICHT_OK = "bund_nicht_ok", _("Bund: „nicht ok“")
    BUND_AKTIV_NEIN = "bund_aktiv_nein", _("Bund: „ok“, aber „aktiv: nein“")
    NO_FEDERAL_RECORD = "kein_bundeseintrag", _("kein Eintrag beim Bund")
    NO_STATUS = "kein_stand", _("kein Umsetzungsstand bei uns")
    UNRESOLVED = "nicht_zuordenbar", _("beim Bund nicht zuzuordnen (OZG-ID oder Regionalschlüssel unbekannt)")
    LEVEL_UNKNOWN = "ebene_unbekannt", _("Vollzugsebene unbekannt: gezählt für die Verwaltung des Eintrags")


class Row(NamedTuple):
    """One pair (or one unresolvable record). Ids, not objects: the names are in `Reconciliation`'s maps."""

    verwaltung_id: int | None
    leistung_id: int | None
    ars: str
    ozg_id: int | None
    kreis: str  # 5-digit Kreis key, "" for the Land
    themenfeld_id: int | None
    classification: str
    reasons: tuple
    status_id: int | None
    stage: str
    url: str
    maturity_level: int | None
    version: int
    federal_records: tuple  # ids of the records that count for the pair
    federal_state: str  # "ok", "ok, aktiv: nein", "nicht ok", "teilweise ok", or the value received
    federal_url: str
    federal_urls: tuple
    federal_online: bool | None  # None: no record
    explained: bool
    note: str

    @property
    def key(self) -> str:
        return f"{self.ars}:{self.ozg_id}"


@dataclass
class Reconciliation:
    record_set_id: int
    as_of: object  # the record set's end (datetime)
    source: str
    rows: list
    verwaltungen: dict  # id -> (ars, display name)
    leistungen: dict  # id -> (ozg_id, name, themenfeld id)
    themenfelder: dict  # id -> (catalogue number, name)
    kreise: dict  # Kreis key -> name
    counts: dict = field(default_factory=dict)

    def by_key(self) -> dict:
        return {(row.ars, row.ozg_id): row for row in self.rows if row.verwaltung_id and row.leistung_id}


def normalize_url(url: str) -> str:
    """For comparing: scheme and host lower case, no default port, no final "/" (path and query as they are)."""
    url = (url or "").strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    path = parts.path.rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{scheme}://{netloc}{path}{query}"


def covered_prefixes(record_set: FederalRecordSet) -> tuple | None:
    """The key prefixes the set covers (None: all of Schleswig-Holstein): a file and the Land's key cover all, a
    Kreis key its Kreis, a Verband key its Amt, any other key its body."""
    prefixes = []
    for ars in record_set.requested_ars or []:
        if ars == LAND_ARS:
            return None
        if ars.endswith("0000000"):
            prefixes.append(ars[:5])
        elif ars.endswith("000"):
            prefixes.append(ars[:9])
        else:
            prefixes.append(ars)
    return tuple(prefixes) or None


def _own_verwaltung(org: Organisation) -> Organisation | None:
    if org.kind in Organisation.VERWALTUNG_AND_LAND_KINDS:
        return org
    return org.verwaltung if org.verwaltung_id else None


def _federal_side(records: list, verwaltung_ars: str) -> tuple:
    """(online, state, url to adopt, all addresses) of the records of one pair (see the module docstring)."""
    ok = [record for record in records if record[4] == "ok"]
    active = [record for record in ok if record[5] != "nein"]
    if active:
        state = "ok" if len(active) == len(records) else "teilweise ok"
    elif ok:
        state = "ok, aktiv: nein"
    else:
        states = {record[4] for record in records}
        state = "nicht ok" if states <= {"nicht ok"} else ", ".join(sorted(str(value) for value in states))
    with_url = [record for record in active if record[6]]
    own = [record for record in with_url if record[3] == verwaltung_ars]
    url = (own or with_url)[0][6] if with_url else ""
    urls = tuple(dict.fromkeys(record[6] for record in with_url))
    return bool(active), state, url, urls, bool(ok)


def compute(record_set: FederalRecordSet) -> Reconciliation:
    """The reconciliation of `record_set` with our statuses now (one pass; about ten queries)."""
    prefixes = covered_prefixes(record_set)
    orgs = {org.pk: org for org in register.bodies_with_ars().select_related("amt", "kreis", "verwaltung")}
    leistungen = {leistung.pk: leistung for leistung in OzgLeistung.objects.all()}
    records = list(
        FederalRecord.objects.filter(record_set=record_set)
        .order_by("position")
        .values_list(
            "pk", "organisation_id", "leistung_id", "ars", "online_status", "aktiv", "url", "leika_id", "ozgid"
        )
    )
    leika = {
        entry.pk: entry
        for entry in LeikaLeistung.objects.filter(pk__in={record[7] for record in records if record[7]}).only(
            "pk", "key", "name", "ozg_leistung_id"
        )
    }
    rules = load_rules([leistungen[pk] for pk in {record[2] for record in records if record[2]}])
    with_rows = {key[0] for key in rules.exceptions} | set(rules.defaults)
    statuses = RolloutStatus.objects.all()
    if prefixes is not None:
        query = models.Q()
        for prefix in prefixes:
            query |= models.Q(verwaltung__ars__startswith=prefix)
        statuses = statuses.filter(query)
    ours = {
        (verwaltung_id, leistung_id): (pk, stage, url, level, version)
        for pk, verwaltung_id, leistung_id, stage, url, level, version in statuses.values_list(
            "pk", "verwaltung_id", "leistung_id", "stage", "url", "maturity_level", "version"
        )
    }
    notes = {
        (verwaltung_id, leistung_id): note
        for verwaltung_id, leistung_id, note in ReconciliationNote.objects.values_list(
            "verwaltung_id", "leistung_id", "note"
        )
    }

    # Which Verwaltung each record counts for.
    attributed: dict = {}
    memo: dict = {}
    unresolved = []
    for record in records:
        pk, org_id, leistung_id, _ars, _status, _aktiv, _url, leika_id, _ozgid = record
        org = orgs.get(org_id)
        if org is None or leistung_id is None:
            unresolved.append(record)
            continue
        key = (org_id, leistung_id, leika_id)
        if key not in memo:
            memo[key] = _counts_for(org, leistungen[leistung_id], leika.get(leika_id), rules, with_rows)
        verwaltung, level_known = memo[key]
        if verwaltung is None:
            unresolved.append(record)
            continue
        entry = attributed.setdefault((verwaltung.pk, leistung_id), [[], True])
        entry[0].append(record)
        entry[1] = entry[1] and level_known
        orgs.setdefault(verwaltung.pk, verwaltung)

    rows = []
    for pair in sorted({*ours, *attributed}, key=lambda p: (orgs[p[0]].ars if p[0] in orgs else "", p[1])):
        verwaltung = orgs.get(pair[0])
        if verwaltung is None:  # a status of a body without ARS: not comparable with the Bund
            continue
        leistung = leistungen[pair[1]]
        status = ours.get(pair)
        found, level_known = attributed.get(pair, ([], True))
        rows.append(_row(verwaltung, leistung, status, found, level_known, notes.get(pair)))
    for record in unresolved:
        rows.append(_unresolved_row(record, orgs))

    used_orgs = {row.verwaltung_id for row in rows if row.verwaltung_id}
    kreise = {keys.kreis_key(org.ars): org.name for org in register.kreisebene()}
    result = Reconciliation(
        record_set_id=record_set.pk,
        as_of=record_set.finished_at,
        source=record_set.source,
        rows=rows,
        verwaltungen={pk: (orgs[pk].ars, orgs[pk].display_name) for pk in used_orgs},
        leistungen={pk: (item.ozg_id, item.name, item.themenfeld_id) for pk, item in leistungen.items()},
        themenfelder={
            pk: (number, name) for pk, number, name in Themenfeld.objects.values_list("pk", "catalogue_id", "name")
        },
        kreise=kreise,
    )
    result.counts = counts_of(rows)
    return result


def _counts_for(org, leistung, leika, rules, with_rows) -> tuple:
    """(Verwaltung the record counts for or None, level known?). A Leistung without Zuständigkeit rows is decided by
    its own level where that is trusted, as `responsible_for` does (without building the whole answer: the hot path
    at the scale of the Land)."""
    if leistung.pk not in with_rows:
        trusted = leistung.level != ExecutingLevel.UNCLASSIFIED and leistung.level_source in TRUSTED_LEVEL_SOURCES
        verwaltung = verwaltung_of_level(org, leistung.level, rules.land) if trusted else None
        if verwaltung is not None and verwaltung.kind in Organisation.VERWALTUNG_AND_LAND_KINDS and verwaltung.ars:
            return verwaltung, True
        return _own_verwaltung(org), False
    answer = responsible_for(org, leistung, leika, rules=rules)
    entry = answer if leika is not None else answer.main
    if entry is not None and not entry.unknown and entry.verwaltung is not None:
        verwaltung = entry.verwaltung
        if verwaltung.kind in Organisation.VERWALTUNG_AND_LAND_KINDS and verwaltung.ars:
            return verwaltung, True
    return _own_verwaltung(org), False


def _row(verwaltung, leistung, status, records, level_known, note) -> Row:
    reasons = []
    online = url_ok = None
    if records:
        online, state, federal_url, urls, any_ok = _federal_side(records, verwaltung.ars)
    else:
        state, federal_url, urls, any_ok = "", "", (), False
    if status is None:
        classification = Classification.NUR_BEIM_BUND
        reasons.append(Reason.NO_STATUS)
        if not online:
            reasons.append(Reason.BUND_AKTIV_NEIN if any_ok else Reason.BUND_NICHT_OK)
    elif not records:
        classification = Classification.NUR_BEI_UNS
        reasons.append(Reason.NO_FEDERAL_RECORD)
    else:
        ours_online = status[1] in ONLINE_STAGES
        if ours_online and online:
            wanted = {normalize_url(url) for url in urls}
            url_ok = not wanted or normalize_url(status[2]) in wanted
            classification = Classification.GLEICH if url_ok else Classification.ABWEICHEND
            if not url_ok:
                reasons.append(Reason.URL_DIFFERS)
        elif ours_online:
            classification = Classification.ABWEICHEND
            reasons.append(Reason.BUND_AKTIV_NEIN if any_ok else Reason.BUND_NICHT_OK)
        elif online:
            classification = Classification.ABWEICHEND
            reasons.append(Reason.STAGE_DIFFERS)
        else:
            classification = Classification.GLEICH
    if records and not level_known:
        reasons.append(Reason.LEVEL_UNKNOWN)
    return Row(
        verwaltung_id=verwaltung.pk,
        leistung_id=leistung.pk,
        ars=verwaltung.ars,
        ozg_id=leistung.ozg_id,
        kreis=keys.kreis_key(verwaltung.ars) if verwaltung.kind != Organisation.Kind.LAND else "",
        themenfeld_id=leistung.themenfeld_id,
        classification=str(classification),
        reasons=tuple(str(reason) for reason in reasons),
        status_id=status[0] if status else None,
        stage=status[1] if status else "",
        url=status[2] if status else "",
        maturity_level=status[3] if status else None,
        version=status[4] if status else 0,
        federal_records=tuple(record[0] for record in records),
        federal_state=state,
        federal_url=federal_url,
        federal_urls=urls,
        federal_online=online if records else None,
        explained=note is not None and classification != Classification.GLEICH,
        note=note or "",
    )


def _unresolved_row(record, orgs) -> Row:
    pk, org_id, _leistung_id, ars, status, aktiv, url, _leika_id, ozgid = record
    online = status == "ok" and aktiv != "nein"
    return Row(
        verwaltung_id=None,
        leistung_id=None,
        ars=ars or "",
        ozg_id=ozgid,
        kreis=keys.kreis_key(ars) if ars and ars != LAND_ARS else "",
        themenfeld_id=None,
        classification=str(Classification.NUR_BEIM_BUND),
        reasons=(str(Reason.UNRESOLVED),),
        status_id=None,
        stage="",
        url="",
        maturity_level=None,
        version=0,
        federal_records=(pk,),
        federal_state=status or "",
        federal_url=url or "",
        federal_urls=(url,) if url else (),
        federal_online=online,
        explained=False,
        note="",
    )


def counts_of(rows) -> dict:
    """Per classification, per reason, per Kreis and per Themenfeld (each {classification: n, "gesamt": n})."""
    total, reasons, kreise, themenfelder = Counter(), Counter(), {}, {}
    explained = 0
    for row in rows:
        total[row.classification] += 1
        reasons.update(row.reasons)
        kreise.setdefault(row.kreis, Counter())[row.classification] += 1
        themenfelder.setdefault(row.themenfeld_id, Counter())[row.classification] += 1
        explained += row.explained
    return {
        "gesamt": len(rows),
        "klassen": {value: total[value] for value in Classification.values},
        "gruende": {value: reasons[value] for value in Reason.values},
        "erklaert": explained,
        "kreise": {key: dict(counter) for key, counter in kreise.items()},
        "themenfelder": {key: dict(counter) for key, counter in themenfelder.items()},
    }


def reconciliation(record_set: FederalRecordSet | None = None) -> Reconciliation | None:
    """The reconciliation of `record_set` (default: the newest completed one), or None before the first sync.
    Cached in READS until the next committed write to anything it reads."""
    record_set = record_set or latest_record_set()
    if record_set is None or record_set.status != FederalRecordSet.Status.DONE:
        return None
    return READS.cached(f"reconciliation:{record_set.pk}", lambda: compute(record_set), timeout=CACHE_SECONDS)


@dataclass
class Summary:
    as_of: object
    total: int
    equal: int
    record_set_id: int


def summary() -> Summary | None:
    """For the public dashboard: how many pairs agree, as of which record set (None before the first sync)."""
    result = reconciliation()
    if result is None:
        return None
    return Summary(
        as_of=result.as_of,
        total=result.counts["gesamt"],
        equal=result.counts["klassen"][Classification.GLEICH],
        record_set_id=result.record_set_id,
    )


def filter_rows(
    result: Reconciliation,
    *,
    ars: str = "",
    ars_prefix: str = "",
    ozg_id: int | None = None,
    classification: str = "",
    reason: str = "",
    kreis: str = "",
    themenfeld: int | None = None,
    explained: bool | None = None,
) -> list:
    """The rows matching every filter given (values checked by the caller)."""
    rows = result.rows
    if ars:
        rows = [row for row in rows if row.ars == ars]
    if ars_prefix:
        rows = [row for row in rows if row.ars.startswith(ars_prefix)]
    if kreis:
        rows = [row for row in rows if row.kreis == kreis]
    if ozg_id is not None:
        rows = [row for row in rows if row.ozg_id == ozg_id]
    if classification:
        rows = [row for row in rows if row.classification == classification]
    if reason:
        rows = [row for row in rows if reason in row.reasons]
    if themenfeld is not None:  # the catalogue's number, as in the other OZG filters
        wanted = {pk for pk, (number, _name) in result.themenfelder.items() if number == themenfeld}
        rows = [row for row in rows if row.themenfeld_id in wanted]
    if explained is not None:
        rows = [row for row in rows if row.explained == explained]
    return rows


def row_data(result: Reconciliation, row: Row) -> dict:
    """One row with its names, as the API, the CSV and the admin show it."""
    from ozg_monitoring.models import Stage

    verwaltung = result.verwaltungen.get(row.verwaltung_id, (row.ars, ""))
    leistung = result.leistungen.get(row.leistung_id)
    themenfeld = result.themenfelder.get(leistung[2]) if leistung else None
    return {
        "ars": row.ars,
        "verwaltung": verwaltung[1],
        "ozg_id": row.ozg_id,
        "leistung": leistung[1] if leistung else "",
        "themenfeld": themenfeld[1] if themenfeld else "",
        "kreis": row.kreis,
        "kreis_name": result.kreise.get(row.kreis, ""),
        "classification": row.classification,
        "classification_label": str(Classification(row.classification).label),
        "reasons": list(row.reasons),
        "reason_labels": [str(Reason(reason).label) for reason in row.reasons],
        "explained": row.explained,
        "note": row.note,
        "stage": row.stage or None,
        "stage_label": str(Stage(row.stage).label) if row.stage else "",
        "url": row.url,
        "maturity_level": row.maturity_level,
        "federal_state": row.federal_state or None,
        "federal_online": row.federal_online,
        "federal_url": row.federal_url,
        "federal_urls": list(row.federal_urls),
        "federal_records": len(row.federal_records),
    }


def counts_data(result: Reconciliation, counts: dict) -> dict:
    """The counts of `counts_of` with names: per Kreis and per Themenfeld a list, in the order of key and number."""
    kreise = [
        {"kreis": key, "name": result.kreise.get(key, "") if key else str(_("Land")), **_per_class(found)}
        for key, found in sorted(counts["kreise"].items())
    ]
    themenfelder = []
    for pk, found in counts["themenfelder"].items():
        number, name = result.themenfelder.get(pk, (None, ""))
        themenfelder.append({"themenfeld": number, "name": name or str(_("nicht zuzuordnen")), **_per_class(found)})
    themenfelder.sort(key=lambda entry: (entry["themenfeld"] is None, entry["themenfeld"] or 0))
    return {
        "total": counts["gesamt"],
        "classifications": counts["klassen"],
        "reasons": counts["gruende"],
        "explained": counts["erklaert"],
        "kreise": kreise,
        "themenfelder": themenfelder,
    }


def _per_class(found: dict) -> dict:
    return {"total": sum(found.values()), **{value: found.get(value, 0) for value in Classification.values}}
