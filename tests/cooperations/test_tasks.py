"""The daily task: status follows the dates, reminders once per item and threshold, safe to run twice."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from common.authorization import system_actor
from cooperations import services
from cooperations.models import Agreement, Obligation, ReminderLog
from cooperations.tasks import cooperations_daily

from .factories import signed_agreement

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 21)


@pytest.fixture
def staff(django_user_model):
    user = django_user_model.objects.create_user("referentin", email="referentin@itvsh.example", is_staff=True)
    user.groups.add(Group.objects.get(name="Redaktion"))
    return user


def test_expires_ended_agreements_and_marks_late_obligations_idempotently():
    ended = signed_agreement(signed_on=datetime.date(2020, 1, 1), years=3)
    running = signed_agreement(signed_on=datetime.date(2025, 1, 1), years=3)
    land = ended.parties.get(role="land").organisation
    late = services.obligation_create(
        agreement=running, obligor=land, title="Bericht", due_on=TODAY - datetime.timedelta(days=1), by=system_actor()
    )
    done = services.obligation_create(
        agreement=running,
        obligor=land,
        title="Erledigt",
        due_on=datetime.date(2025, 6, 1),
        status="erfuellt",
        by=system_actor(),
    )
    assert late.status == Obligation.Status.VERSPAETET  # saved late: at once (services.obligation_save)
    Obligation.objects.filter(pk=late.pk).update(status="offen")  # one saved before its due date passed
    first = services.cooperations_daily(today=TODAY, by=system_actor())
    assert (first["expired"], first["late"]) == (1, 1)
    ended.refresh_from_db(), running.refresh_from_db(), late.refresh_from_db(), done.refresh_from_db()
    assert ended.status == Agreement.Status.AUSGELAUFEN and running.status == Agreement.Status.IN_KRAFT
    assert late.status == Obligation.Status.VERSPAETET and done.status == Obligation.Status.ERFUELLT
    history_rows = ended.history.count()
    second = services.cooperations_daily(today=TODAY, by=system_actor())
    assert (second["expired"], second["late"], second["terms_refreshed"]) == (0, 0, 0)
    assert ended.history.count() == history_rows


def test_reminders_once_per_item_and_threshold(staff):
    ending = signed_agreement(signed_on=datetime.date(2024, 1, 1), years=3)  # ends 2026-12-31: within 90 days
    later = signed_agreement(signed_on=datetime.date(2026, 1, 1), years=3)
    land = ending.parties.get(role="land").organisation
    services.obligation_create(
        agreement=later,
        obligor=land,
        title="Zwischenbericht",
        due_on=TODAY + datetime.timedelta(days=30),
        by=system_actor(),
    )
    services.obligation_create(
        agreement=later, obligor=land, title="Fern", due_on=TODAY + datetime.timedelta(days=31), by=system_actor()
    )

    result = services.cooperations_daily(today=TODAY, by=system_actor())
    assert (result["reminded_agreements"], result["reminded_obligations"]) == (1, 1)
    assert len(mail.outbox) == 2
    assert all(message.to == ["referentin@itvsh.example"] for message in mail.outbox)
    assert "31.12.2026" in mail.outbox[0].subject

    again = services.cooperations_daily(today=TODAY, by=system_actor())
    again_next_day = services.cooperations_daily(today=TODAY + datetime.timedelta(days=1), by=system_actor())
    assert again["reminded_agreements"] + again["reminded_obligations"] == 0
    # Next day only "Fern" enters its 30-day window; nothing already reminded is sent again.
    assert (again_next_day["reminded_agreements"], again_next_day["reminded_obligations"]) == (0, 1)
    assert len(mail.outbox) == 3 and "Fern" in mail.outbox[2].subject
    assert ReminderLog.objects.count() == 3


def test_responsible_user_gets_the_reminder_instead_of_the_group(staff, django_user_model):
    owner = django_user_model.objects.create_user("owner", email="owner@itvsh.example", is_staff=True)
    signed_agreement(signed_on=datetime.date(2024, 1, 1), years=3, responsible=owner)
    services.cooperations_daily(today=TODAY, by=system_actor())
    assert [message.to for message in mail.outbox] == [["owner@itvsh.example"]]


def test_a_reminder_that_finds_nobody_is_logged_counted_and_sent_once_somebody_is_there(django_user_model, caplog):
    agreement = signed_agreement(signed_on=datetime.date(2024, 1, 1), years=3)
    with caplog.at_level("WARNING", logger="cooperations.services"):
        result = services.cooperations_daily(today=TODAY, by=system_actor())
    assert (result["reminded_agreements"], result["unreached_agreements"]) == (0, 1)
    log = ReminderLog.objects.get()
    assert (log.kind, log.object_id, log.target_date, log.recipients, log.sent_at) == (
        "agreement_ending",
        agreement.pk,
        datetime.date(2026, 12, 31),
        "",
        None,
    )
    assert "found no recipient" in caplog.text and "'Redaktion'" in caplog.text
    assert mail.outbox == []
    # A member of the fallback group appears: the next run sends it and completes the record.
    member = django_user_model.objects.create_user("neu", email="neu@itvsh.example", is_staff=True)
    member.groups.add(Group.objects.get(name="Redaktion"))
    result = services.cooperations_daily(today=TODAY + datetime.timedelta(days=1), by=system_actor())
    assert (result["reminded_agreements"], result["unreached_agreements"]) == (1, 0)
    log.refresh_from_db()
    assert log.recipients == "neu@itvsh.example" and log.sent_at is not None
    assert [message.to for message in mail.outbox] == [["neu@itvsh.example"]]
    assert ReminderLog.objects.count() == 1


def test_celery_task_runs_the_daily_service(staff):
    signed_agreement(signed_on=datetime.date(2020, 1, 1), years=3)
    result = cooperations_daily.delay().get()
    assert result["expired"] == 1
    assert cooperations_daily.delay().get()["expired"] == 0
