"""Celery tasks of the cooperations app: thin wrappers around services, safe to run twice."""

from celery import shared_task

from common.authorization import system_actor

from . import services


@shared_task(name="cooperations.daily")
def cooperations_daily() -> dict:
    """Daily: ended agreements -> "ausgelaufen", overdue obligations -> "verspätet", predecessors of successors
    in force -> "ersetzt", reminders (agreements ending within 90 days, obligations due within 30 days) once per
    item and threshold; the result counts what was sent and what found nobody (services.cooperations_daily)."""
    return services.cooperations_daily(by=system_actor())
