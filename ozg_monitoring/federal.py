"""The record format of the federal Dashboard Digitale Verwaltung (DvDataDto, data/ozg/digitale-verwaltung-
api.openapi.yaml): conversion of federal records into bulk-upsert items. The export of our statuses in that format
is `federal/export.py`."""

from django.core.exceptions import ValidationError

from common.csvfiles import read_csv_rows
from common.messages import message
from common.params import POSITIVE_INTEGER, parse_int
from organisations import selectors as register
from organisations.models import Organisation

from .models import ONLINE_STAGES, RolloutStatus, Stage


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
