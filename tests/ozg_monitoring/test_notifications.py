"""OZG notifications (issue 17, item 5): Monitoring's daily digest of Kommune changes and the reminder to Kommunen
whose statuses are stale; German mails, plain text plus HTML, absolute links, each sent once."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from accounts import services as accounts
from common.authorization import system_actor
from ozg_monitoring import tasks
from ozg_monitoring.models import NotificationLog, RolloutStatus
from ozg_monitoring.services import rollout_status_update
from ozg_monitoring.services.notifications import kommune_changes_digest_send, stale_status_reminders_send
from tests.accounts.factories import role_user

from .factories import OzgLeistungFactory, RolloutStatusFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.PORTAL_BASE_URL = "https://portal.example"


@pytest.fixture
def people(territory):
    kommune = role_user("Kommune", email="amt@foehr.example")
    accounts.membership_grant(user=kommune, organisation=territory.foehr, by=system_actor())
    monitoring = role_user("Monitoring", email="monitoring@itvsh.example")
    return kommune, monitoring


def test_digest_reports_kommune_changes_to_monitoring_once(territory, people):
    kommune, monitoring = people
    leistung, other = OzgLeistungFactory(name="Wohngeld"), OzgLeistungFactory(name="Hundesteuer")
    rollout_status_update(leistung=leistung, verwaltung=territory.foehr, changes={"stage": "geplant"}, by=kommune)
    rollout_status_update(leistung=other, verwaltung=territory.husum, changes={"stage": "geplant"}, by=monitoring)
    assert kommune_changes_digest_send(by=system_actor()) == 1  # the Kommune's change, not Monitoring's own
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["monitoring@itvsh.example"]
    assert message.subject.startswith("OZG-Monitoring: 1 Änderungen der Kommunen seit ")
    assert "Föhr-Amrum (010545488000)" in message.body and "Wohngeld" in message.body
    assert "Hundesteuer" not in message.body
    assert "https://portal.example/admin/ozg_monitoring/statusevent/" in message.body
    html = message.alternatives[0][0]
    assert 'href="https://portal.example/admin/ozg_monitoring/statusevent/' in html and 'lang="de"' in html
    # idempotent: a second run the same day sends nothing, even with a new change
    rollout_status_update(leistung=other, verwaltung=territory.foehr, changes={"stage": "geplant"}, by=kommune)
    assert tasks.kommune_digest_daily() == 0 and len(mail.outbox) == 1
    # the next day's digest starts where this one ended: only the new change
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    assert kommune_changes_digest_send(by=system_actor(), now=tomorrow) == 1
    assert "Hundesteuer" in mail.outbox[1].body and "Wohngeld" not in mail.outbox[1].body
    assert NotificationLog.objects.filter(kind="digest").count() == 2


def test_no_digest_without_kommune_changes(territory, people):
    _kommune, monitoring = people
    rollout_status_update(
        leistung=OzgLeistungFactory(), verwaltung=territory.foehr, changes={"stage": "geplant"}, by=monitoring
    )
    assert kommune_changes_digest_send(by=system_actor()) == 0 and mail.outbox == []


def test_stale_statuses_are_reminded_once_per_interval(territory, people, settings):
    settings.STALE_STATUS_MONTHS, settings.OZG_STALE_REMINDER_DAYS = 6, 30
    old = timezone.now() - datetime.timedelta(days=200)
    stale = [RolloutStatusFactory(verwaltung=territory.foehr) for _ in range(2)]
    RolloutStatusFactory(verwaltung=territory.foehr)  # fresh
    RolloutStatusFactory(verwaltung=territory.husum)  # fresh, another Verwaltung
    kiel = RolloutStatusFactory(verwaltung=territory.kiel)  # stale, but nobody reports for Kiel
    RolloutStatus.objects.filter(pk__in=[s.pk for s in [*stale, kiel]]).update(updated_at=old)
    assert stale_status_reminders_send(by=system_actor()) == {"sent": 1, "no_recipient": 1}
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["amt@foehr.example"]
    assert message.subject == "Bitte prüfen: 2 Umsetzungsstände von Föhr-Amrum seit 6 Monaten unverändert"
    assert f"https://portal.example/admin/ozg_monitoring/rolloutstatus/?verwaltung__id__exact={territory.foehr.pk}" in (
        message.body
    )
    assert "https://portal.example/admin/ozg_monitoring/importjob/add/" in message.alternatives[0][0]
    assert tasks.stale_status_reminders() == {"sent": 0, "no_recipient": 1}  # within the interval: not again
    assert len(mail.outbox) == 1
    later = timezone.now() + datetime.timedelta(days=31)
    assert stale_status_reminders_send(by=system_actor(), now=later)["sent"] == 1
    assert len(mail.outbox) == 2


def test_beat_runs_both_tasks(settings):
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"ozg_monitoring.kommune_digest_daily", "ozg_monitoring.stale_status_reminders"} <= tasks_scheduled


def _optout_link(message) -> str:
    """The absolute opt-out link of a mail, the same in its plain text and its HTML."""
    import re

    links = re.findall(r"https://portal\.example/benachrichtigungen/abbestellen/[^/\s\"]+/", message.body)
    assert len(links) == 1, message.body
    assert f'href="{links[0]}"' in message.alternatives[0][0]
    return links[0]


def test_digest_carries_an_opt_out_link_per_member_that_stops_the_next_digest(territory, people, client):
    kommune, monitoring = people
    role_user("Monitoring", email="zweite@itvsh.example")
    leistung = OzgLeistungFactory(name="Wohngeld")
    rollout_status_update(leistung=leistung, verwaltung=territory.foehr, changes={"stage": "geplant"}, by=kommune)
    assert kommune_changes_digest_send(by=system_actor()) == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["monitoring@itvsh.example", "zweite@itvsh.example"]
    links = {m.to[0]: _optout_link(m) for m in mail.outbox}
    assert len(set(links.values())) == 2  # each member's own signed link
    assert (
        client.post(links["zweite@itvsh.example"].removeprefix("https://portal.example"), {"wants": "nein"}).status_code
        == 200
    )
    rollout_status_update(leistung=leistung, verwaltung=territory.foehr, changes={"stage": "in_umsetzung"}, by=kommune)
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    assert kommune_changes_digest_send(by=system_actor(), now=tomorrow) == 1
    assert [m.to for m in mail.outbox[2:]] == [["monitoring@itvsh.example"]]


def test_stale_reminder_carries_an_opt_out_link_that_stops_the_next_reminder(territory, people, client, settings):
    settings.STALE_STATUS_MONTHS, settings.OZG_STALE_REMINDER_DAYS = 6, 30
    kommune, _monitoring = people
    stale = RolloutStatusFactory(verwaltung=territory.foehr)
    RolloutStatus.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - datetime.timedelta(days=200))
    assert stale_status_reminders_send(by=system_actor())["sent"] == 1
    link = _optout_link(mail.outbox[0])
    client.post(link.removeprefix("https://portal.example"), {"wants": "nein"})
    later = timezone.now() + datetime.timedelta(days=31)
    assert stale_status_reminders_send(by=system_actor(), now=later) == {"sent": 0, "no_recipient": 1}
    assert len(mail.outbox) == 1
