"""Reads of the federal record sets (the admin; later the reconciliation and the public dashboard)."""

from .models import FederalRecord, FederalRecordSet


def latest_record_set() -> FederalRecordSet | None:
    """The last completed record set, or None before the first sync."""
    return FederalRecordSet.objects.filter(status=FederalRecordSet.Status.DONE).order_by("-finished_at", "-id").first()


def records_of(record_set: FederalRecordSet):
    """The records of a set with what they resolve to (one query)."""
    return FederalRecord.objects.filter(record_set=record_set).select_related("organisation", "leistung", "leika")
