"""Celery tasks of the funding app: thin, idempotent, each calls a service.

Beat schedule (itvsh_portal/settings.py, CELERY_BEAT_SCHEDULE):
  funding-review-reminders  Mondays 07:00      funding.tasks.send_review_reminders
  funding-yearly-report     2 January 06:00    funding.tasks.generate_yearly_report (the year just ended)
Queued by a service: funding.tasks.notify_drawdown_request (after a drawdown request is committed).
"""

from celery import shared_task
from django.utils import timezone

from common.authorization import system_actor

from . import services


@shared_task(name="funding.tasks.send_review_reminders")
def send_review_reminders() -> int:
    """Drawdowns waiting for review longer than 14 days, once per drawdown and week."""
    return services.review_reminders_send(today=timezone.localdate(), by=system_actor())


@shared_task(name="funding.tasks.notify_drawdown_request")
def notify_drawdown_request(drawdown_pk: int) -> int:
    """Tells the reviewers of a new drawdown request (queued by `drawdown_request` once committed)."""
    return services.drawdown_request_notify(drawdown_pk=drawdown_pk)


@shared_task(name="funding.tasks.generate_yearly_report")
def generate_yearly_report(fiscal_year: int | None = None) -> int:
    """The CSV report of `fiscal_year` (default: the previous calendar year); a second run changes nothing."""
    year = fiscal_year or timezone.localdate().year - 1
    report, _created = services.yearly_report_generate(fiscal_year=year, by=system_actor())
    return report.pk
