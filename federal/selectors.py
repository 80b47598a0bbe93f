"""Reads of the federal record sets (the admin; later the reconciliation and the public dashboard)."""

from .models import FederalRecord, FederalRecordSet


def latest_record_set() -> FederalRecordSet | None:
    """The last completed record set, or None before the first sync."""
    return FederalRecordSet.objects.filter(status=FederalRecordSet.Status.DONE).order_by("-finished_at", "-id").first()


def records_of(record_set: FederalRecordSet):
    """The records of a set with what they resolve to (one query)."""
    return FederalRecord.objects.filter(record_set=record_set).select_related("organisation", "leistung", "leika")


#: The federal spelling of nationwide coverage (DvDataDto.art_flaechendeckung).
BUNDESWEIT = "bundesweit flächendeckend"


def federal_facts_by_ozgid(ozg_ids) -> dict[int, dict]:
    """What the newest completed record set says per OZG-Leistung, for the export in the federal format:
    {ozgid: {"bundesweit": bool, "aktiv": "ja" | "nein" | None}}. `bundesweit` is true where a record of that
    ozgid says "bundesweit flächendeckend"; `aktiv` is the Bund's value where all its records of that ozgid agree
    on "ja" or "nein" (the field is about the OZG-Leistung), otherwise None. OZG-IDs without a record are missing.
    One query (the record set is a subquery), however many OZG-IDs."""
    ozg_ids = set(ozg_ids)
    if not ozg_ids:
        return {}
    done = FederalRecordSet.objects.filter(status=FederalRecordSet.Status.DONE)
    newest = done.order_by("-finished_at", "-id").values("pk")[:1]
    rows = (
        FederalRecord.objects.filter(record_set__in=newest, ozgid__in=ozg_ids)
        .values_list("ozgid", "aktiv", "art_flaechendeckung")
        .distinct()
    )
    facts: dict[int, dict] = {}
    for ozgid, aktiv, coverage in rows:
        entry = facts.setdefault(ozgid, {"bundesweit": False, "aktiv_values": set()})
        entry["bundesweit"] = entry["bundesweit"] or coverage == BUNDESWEIT
        entry["aktiv_values"].add(aktiv)
    for entry in facts.values():
        values = entry.pop("aktiv_values")
        entry["aktiv"] = values.pop() if len(values) == 1 and values <= {"ja", "nein"} else None
    return facts
