"""Reminders that reach someone (issue 17, item 5): the configured fallback group, what found nobody, what the next
runs will send (`cooperations.reminders.planned`), absolute links, the opt-out of group mails, the preview page."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client

from accounts import notifications
from common.authorization import system_actor
from cooperations import reminders, services
from tests.accounts.helpers import verified_client_login

from .factories import signed_agreement

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 21)


@pytest.fixture
def member(django_user_model):
    user = django_user_model.objects.create_user("mitglied", email="mitglied@itvsh.example", is_staff=True)
    user.groups.add(Group.objects.get(name="Redaktion"))
    return user


def _world():
    ending = signed_agreement(signed_on=datetime.date(2024, 1, 1), years=3)  # ends 31.12.2026: in the window
    later = signed_agreement(signed_on=datetime.date(2026, 1, 1), years=3)
    party = later.parties.first().organisation
    due = services.obligation_create(
        agreement=later, obligor=party, title="Bericht", due_on=TODAY + datetime.timedelta(days=40), by=system_actor()
    )
    return ending, later, due


def test_planned_says_what_to_whom_and_when_in_a_fixed_number_of_queries(member, django_assert_num_queries):
    ending, later, due = _world()
    with django_assert_num_queries(4):  # agreements, obligations, sent logs, the fallback group
        planned = reminders.planned(TODAY, days=14)
    assert [(r.kind, r.title, r.send_on, r.emails) for r in planned] == [
        ("agreement_ending", ending.title, TODAY, ["mitglied@itvsh.example"]),
        ("obligation_due", "Bericht", TODAY + datetime.timedelta(days=10), ["mitglied@itvsh.example"]),
    ]
    assert planned[0].to_fallback
    assert reminders.planned(TODAY, days=5)[-1].kind == "agreement_ending"  # the obligation comes on day 10
    services.cooperations_daily(today=TODAY, by=system_actor())
    assert [r.kind for r in reminders.planned(TODAY, days=14)] == ["obligation_due"]  # the sent one is done


def test_fallback_group_is_the_setting_and_a_missing_group_reaches_nobody(member, settings):
    _world()
    settings.REMINDER_FALLBACK_GROUP = "Gibt es nicht"
    result = services.cooperations_daily(today=TODAY, by=system_actor())
    assert (result["reminded_agreements"], result["unreached_agreements"]) == (0, 1)
    [item] = reminders.unreached()
    assert item.log.kind == "agreement_ending" and item.admin_path.endswith(f"/{item.log.object_id}/change/")
    settings.REMINDER_FALLBACK_GROUP = "Redaktion"
    assert services.cooperations_daily(today=TODAY, by=system_actor())["reminded_agreements"] == 1
    assert reminders.unreached() == []


def test_mail_links_absolutely_to_the_admin_and_the_public_page_in_text_and_html(member, settings):
    settings.PORTAL_BASE_URL = "https://portal.itvsh.example"
    ending, _later, _due = _world()
    services.cooperations_daily(today=TODAY, by=system_actor())
    [message] = mail.outbox
    html = message.alternatives[0][0]
    admin_url = f"https://portal.itvsh.example/admin/cooperations/agreement/{ending.pk}/change/"
    public_url = f"https://portal.itvsh.example{ending.get_absolute_url()}"
    for body in (message.body, html):
        assert admin_url in body and public_url in body
        assert "https://portal.itvsh.example/benachrichtigungen/abbestellen/" in body  # a group mail: opt-out
    assert "Gruppe „Redaktion“" in message.body


def test_responsible_person_gets_a_mandatory_mail_without_opt_out(member, django_user_model):
    owner = django_user_model.objects.create_user("owner", email="owner@itvsh.example", is_staff=True)
    signed_agreement(signed_on=datetime.date(2024, 1, 1), years=3, responsible=owner)
    services.cooperations_daily(today=TODAY, by=system_actor())
    [message] = mail.outbox
    assert message.to == ["owner@itvsh.example"]
    assert "abbestellen/" not in message.body and "nicht abbestellen" in message.body


def test_a_member_who_declined_gets_no_group_mail(member, django_user_model):
    other = django_user_model.objects.create_user("zweite", email="zweite@itvsh.example", is_staff=True)
    other.groups.add(Group.objects.get(name="Redaktion"))
    notifications.preference_set(user=member, kind=notifications.COOPERATION_REMINDERS, wants=False)
    _world()
    services.cooperations_daily(today=TODAY, by=system_actor())
    assert [message.to for message in mail.outbox] == [["zweite@itvsh.example"]]


def test_preview_page_lists_planned_and_unreached(member, django_user_model):
    client = verified_client_login(Client(), member)
    ending, _later, _due = _world()
    page = client.get("/admin/cooperations/reminderlog/vorschau/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Erinnerungen – Vorschau" in text and ending.title in text and "mitglied@itvsh.example" in text
    assert "Bericht" in text and "Keine: jede Erinnerung hat jemanden erreicht." in text
    assert (
        "/admin/cooperations/reminderlog/vorschau/" in client.get("/admin/cooperations/reminderlog/").content.decode()
    )
