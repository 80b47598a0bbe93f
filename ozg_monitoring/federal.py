"""The record format of the federal Dashboard Digitale Verwaltung (DvDataDto, data/ozg/digitale-verwaltung-
api.openapi.yaml): export of our statuses and conversion of federal records into bulk-upsert items."""

import io

from django.core.exceptions import ValidationError

from common.csvfiles import SafeCsvWriter, read_csv_rows
from common.messages import message
from common.params import POSITIVE_INTEGER, parse_int
from organisations import selectors as register
from organisations.keys import kreis_key
from organisations.models import Organisation

from .models import ONLINE_STAGES, LeikaLeistung, RolloutStatus, Stage
from .selectors import FEDERAL_COVERAGE, KREISWEIT, coverage_by_leistung

FIELDS = [
    "leika_key",
    "leika_name",
    "leika_bezeichnung",
    "ars",
    "ars_name",
    "ars_federal_state",
    "bundesland",
    "ozgid",
    "ozg_bezeichnung",
    "url",
    "online_status",
    "aktiv",
    "art_flaechendeckung",
]
#: Our fields beyond the federal record (DvDataDto): `beispieldaten` is "ja" for a record built from a demo status
#: (`is_demo`), "nein" otherwise; a receiver that reads only the spec's fields ignores it.
EXTRA_FIELDS = ["beispieldaten"]


def export_statuses(statuses=None):
    """Statuses with a URL, with what the records need (one query)."""
    statuses = statuses if statuses is not None else RolloutStatus.objects.all()
    return (
        statuses.exclude(url="")
        .select_related("leistung", "verwaltung")
        .order_by("verwaltung__ars", "leistung__ozg_id")
    )


def export_records(statuses) -> list[dict]:
    """One record per (status with a URL, LeiKa-Leistung of its OZG-Leistung), as the federal dashboard lists
    services per LeiKa key; an OZG-Leistung without LeiKa-Leistungen gives one record with an empty key.
    Three more queries (LeiKa, coverage) for any number of statuses."""
    statuses = list(statuses)
    leistungen = {status.leistung_id: status.leistung for status in statuses}
    leika = {}
    for entry in LeikaLeistung.objects.filter(ozg_leistung__in=leistungen, in_leika=True).order_by("key"):
        leika.setdefault(entry.ozg_leistung_id, []).append(entry)
    coverage = coverage_by_leistung(leistungen.values())
    records = []
    for status in statuses:
        cover = coverage[status.leistung_id]
        kind = cover.kind
        if kind == KREISWEIT and kreis_key(status.verwaltung.ars) not in cover.kreis_keys:
            kind = "mindestens_eine_kommune"
        online = status.stage in ONLINE_STAGES
        base = {
            "ars": status.verwaltung.ars,
            "ars_name": status.verwaltung.name,
            "ars_federal_state": "01",
            "bundesland": "Schleswig-Holstein",
            "ozgid": status.leistung.ozg_id,
            "ozg_bezeichnung": status.leistung.name,
            "url": status.url,
            "online_status": "ok" if online else "nicht ok",
            "aktiv": "ja" if online else "nein",
            "art_flaechendeckung": FEDERAL_COVERAGE[kind] if online else FEDERAL_COVERAGE["nicht_verfuegbar"],
            "beispieldaten": "ja" if status.is_demo else "nein",
        }
        for entry in leika.get(status.leistung_id) or [None]:
            records.append(
                {
                    "leika_key": entry.key if entry else "",
                    "leika_name": entry.name if entry else "",
                    "leika_bezeichnung": entry.name if entry else "",
                    **base,
                }
            )
    return records


def records_to_csv(records) -> str:
    """The records as CSV; text cells formula-safe (a URL or name starting with "=" stays text in a spreadsheet)."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer, fieldnames=[*FIELDS, *EXTRA_FIELDS], lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return buffer.getvalue()


def parse_csv(text: str) -> list[dict]:
    """Rows of an uploaded federal CSV; CsvFileError (German, with the line) for malformed CSV."""
    _header, rows = read_csv_rows(text)
    return [values for _line, values in rows]


def records_to_items(records: list[dict]) -> tuple[list[dict], list[dict]]:
    """Federal records -> bulk-upsert items, one per (ozgid, Verwaltung). Returns (items, errors).

    "ok" means online: stage "online verfügbar" with the URL and at least Reifegrad 2 (the federal record has
    no Reifegrad; a higher level already recorded is kept). "nicht ok" only records the URL. An ARS of a
    Gemeinde in an Amt is booked on her Amt. Two queries."""
    errors, wanted = [], {}
    arses = {
        record["ars"].strip() for record in records if isinstance(record, dict) and isinstance(record.get("ars"), str)
    }
    organisations = {org.ars: org for org in register.bodies_by_keys(arses)}
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            errors.append({"index": index, "errors": {"non_field_errors": [message("object_expected")]}})
            continue
        record_errors = {}
        ars = record.get("ars", "")
        ars = ars.strip() if isinstance(ars, str) else ""
        org = organisations.get(ars)
        ozgid = record.get("ozgid", "")
        try:
            ozgid = parse_int(ozgid.strip() if isinstance(ozgid, str) else ozgid, bounds=POSITIVE_INTEGER)
        except ValidationError:
            record_errors["ozgid"] = [message("ozg.federal_ozgid")]
        status = record.get("online_status", "")
        status = status.strip() if isinstance(status, str) else None
        url = record.get("url") or ""
        if org is None:
            record_errors["ars"] = [message("ozg.unknown_ars", ars=ars[:20])]
        if status not in ("ok", "nicht ok"):
            record_errors["online_status"] = [message("ozg.federal_online_status")]
        if not isinstance(url, str):
            record_errors["url"] = [message("text_expected")]
        if record_errors:
            errors.append({"index": index, "errors": record_errors})
            continue
        if org.kind not in Organisation.VERWALTUNG_AND_LAND_KINDS and org.verwaltung_id:
            org = org.verwaltung
        key = (ozgid, org.ars)
        item = wanted.setdefault(key, {"ozg_id": ozgid, "ars": org.ars, "url": "", "ok": False})
        item["url"] = item["url"] or url.strip()
        item["ok"] = item["ok"] or status == "ok"
    levels = {}
    if wanted:
        levels = {
            (ozg_id, ars): (stage, level)
            for ozg_id, ars, stage, level in RolloutStatus.objects.filter(
                leistung__ozg_id__in={key[0] for key in wanted}, verwaltung__ars__in={key[1] for key in wanted}
            ).values_list("leistung__ozg_id", "verwaltung__ars", "stage", "maturity_level")
        }
    items = []
    for key, item in wanted.items():
        ok = item.pop("ok")
        stage, level = levels.get(key, (None, 0))
        if ok:
            item["stage"] = stage if stage in ONLINE_STAGES else Stage.ONLINE
            if level < 2:
                item["maturity_level"] = 2
        items.append(item)
    return items, errors
