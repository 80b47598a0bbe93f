import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail

from common.authorization import system_actor
from funding import services, tasks
from funding.models import Drawdown, ReviewReminder, YearlyReport

from .factories import BudgetLineFactory, DrawdownFactory, UserFactory

pytestmark = pytest.mark.django_db
MONDAY = datetime.date(2025, 6, 16)


@pytest.fixture
def finance_group_member():
    group, _ = Group.objects.get_or_create(name="Finanzen")  # made by the staff-groups migration
    group.permissions.add(Permission.objects.get(codename="review_drawdown"))
    user = UserFactory(email="finanzen@itvsh.example")
    user.groups.add(group)
    UserFactory(email="andere@itvsh.example")  # no permission: not reminded
    UserFactory(email="super@itvsh.example", is_superuser=True)  # superusers only when they hold it explicitly
    return user


def test_reminds_finance_staff_once_per_week(finance_group_member):
    old = DrawdownFactory(requested_on=MONDAY - datetime.timedelta(days=15))
    fresh = DrawdownFactory(requested_on=MONDAY - datetime.timedelta(days=14))  # exactly 14 days: not yet
    DrawdownFactory(requested_on=MONDAY - datetime.timedelta(days=30), status=Drawdown.Status.GEPRUEFT)

    assert services.review_reminders_send(today=MONDAY, by=system_actor()) == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["finanzen@itvsh.example"]
    assert f"Mittelabruf {old.pk}: 1.000,00\u00a0€" in mail.outbox[0].body

    # same day again: nothing
    assert services.review_reminders_send(today=MONDAY, by=system_actor()) == 0
    assert len(mail.outbox) == 1
    # later the same week: only the drawdown that has become overdue since, not the old one again
    assert services.review_reminders_send(today=MONDAY + datetime.timedelta(days=3), by=system_actor()) == 1
    assert f"Mittelabruf {old.pk}:" not in mail.outbox[1].body and f"Mittelabruf {fresh.pk}:" in mail.outbox[1].body
    assert services.review_reminders_send(today=MONDAY + datetime.timedelta(days=6), by=system_actor()) == 0
    assert ReviewReminder.objects.count() == 2

    # next week: both reminded again, once
    assert services.review_reminders_send(today=MONDAY + datetime.timedelta(days=7), by=system_actor()) == 2
    assert services.review_reminders_send(today=MONDAY + datetime.timedelta(days=7), by=system_actor()) == 0
    assert ReviewReminder.objects.count() == 4


def test_reminder_task_runs_and_is_idempotent(finance_group_member, monkeypatch):
    DrawdownFactory(requested_on=datetime.date.today() - datetime.timedelta(days=20))
    assert tasks.send_review_reminders.delay().get() == 1
    assert tasks.send_review_reminders.delay().get() == 0
    assert len(mail.outbox) == 1


def test_reviewed_drawdown_is_no_longer_reminded(finance_group_member):
    drawdown = DrawdownFactory(requested_on=MONDAY - datetime.timedelta(days=20))
    drawdown.status = Drawdown.Status.GEPRUEFT
    drawdown.reviewed_by = finance_group_member
    drawdown.save()
    assert services.review_reminders_send(today=MONDAY, by=system_actor()) == 0


def test_yearly_report_is_generated_once():
    line = BudgetLineFactory(fiscal_year=2025, planned_amount=Decimal("3000000.00"), title="Landesmittel")
    DrawdownFactory(line=line, status=Drawdown.Status.AUSGEZAHLT, amount=Decimal("0.01"))
    BudgetLineFactory(fiscal_year=2024)
    pk = tasks.generate_yearly_report.delay(2025).get()
    report = YearlyReport.objects.get(pk=pk)
    assert report.row_count == 1
    assert "2025;Landesmittel;" in report.content and ";3000000.00;nein;;0.00;0.01;2999999.99;" in report.content
    line.title = "geändert"
    line.save()
    assert tasks.generate_yearly_report.delay(2025).get() == pk
    assert YearlyReport.objects.get().content == report.content


def test_yearly_report_defaults_to_previous_year(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda: datetime.date(2026, 1, 2))
    tasks.generate_yearly_report.delay().get()
    assert YearlyReport.objects.get().fiscal_year == 2025
