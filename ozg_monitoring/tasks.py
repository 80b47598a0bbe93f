"""Celery tasks: thin, take ids, call a service, safe to run twice."""

from celery import shared_task
from django.utils import timezone

from common.authorization import system_actor

from .models import ImportJob
from .services import import_job_run, snapshot_create


@shared_task(name="ozg_monitoring.snapshot_monthly")
def snapshot_monthly(date: str | None = None) -> int:
    """The monthly snapshot (beat: first day of the month). Idempotent per date: a second run replaces it. Other apps
    react to the signal `snapshot_computed` that the service sends (the open data files of the month)."""
    day = timezone.localdate() if date is None else timezone.datetime.fromisoformat(date).date()
    return snapshot_create(date=day, by=system_actor()).pk


@shared_task(name="ozg_monitoring.stage_tally_compact")
def stage_tally_compact() -> dict:
    """Folds the running count per stage into one row per stage and repairs it against a true count (beat: every ten
    minutes; ozg_monitoring/tally.py). Safe at any time and twice at once."""
    from . import tally

    return tally.compact()


@shared_task(name="ozg_monitoring.import_job_process")
def import_job_process(job_id: int) -> str:
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.state != ImportJob.State.PENDING:
        return "skipped"
    import_job_run(job=job)
    return job.state


@shared_task(name="ozg_monitoring.linkcheck_daily")
def linkcheck_daily() -> dict:
    """Every status link (beat: daily). Does nothing unless LINKCHECK_ENABLED; a second run adds another check."""
    from .services.linkcheck import linkcheck_all

    summary = linkcheck_all(by=system_actor())
    return {"enabled": summary.enabled, "statuses": summary.statuses, "broken": summary.broken}


@shared_task(name="ozg_monitoring.linkcheck_verwaltung")
def linkcheck_verwaltung_task(verwaltung_id: int, user_id: int | None = None) -> dict:
    """The links of one Verwaltung, for the user who asked (the admin action) or the system actor."""
    from organisations import selectors as register

    from .services.linkcheck import acting_user, linkcheck_verwaltung

    verwaltung = register.body_by_id(verwaltung_id)
    if verwaltung is None:
        return {"skipped": True}
    by = acting_user(user_id) if user_id is not None else system_actor()
    summary = linkcheck_verwaltung(verwaltung=verwaltung, by=by)
    return {"enabled": summary.enabled, "statuses": summary.statuses, "broken": summary.broken}


@shared_task(name="ozg_monitoring.kommune_digest_daily")
def kommune_digest_daily() -> int:
    """The daily digest of Kommune changes for Monitoring (beat: daily). Sends at most once a day."""
    from .services.notifications import kommune_changes_digest_send

    return kommune_changes_digest_send(by=system_actor())


@shared_task(name="ozg_monitoring.stale_status_reminders")
def stale_status_reminders() -> dict:
    """Reminders to Kommunen with stale statuses (beat: OZG_STALE_REMINDER_SCHEDULE). Each Verwaltung at most once
    every OZG_STALE_REMINDER_DAYS days, however often it runs."""
    from .services.notifications import stale_status_reminders_send

    return stale_status_reminders_send(by=system_actor())
