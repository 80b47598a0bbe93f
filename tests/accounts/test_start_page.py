"""The admin's start page "Was jetzt zu tun ist" (accounts/start_page.py): counts per role, each linking to the
filtered change list that shows exactly those rows, panels only for those who may see the list, a Kommune
user's counts limited to its own Verwaltungen, and a fixed number of queries."""

import datetime
import re
from html import unescape

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.start_page import months_before
from common.authorization import system_actor
from cooperations.models import Obligation
from ozg_monitoring.models import ImportJob, LinkCheck, RolloutStatus
from tests.cooperations.factories import AgreementFactory, ObligationFactory, signed_agreement
from tests.funding.factories import DrawdownFactory, finance_user
from tests.ozg_monitoring.conftest import _plain_static_storage, territory  # noqa: F401 - fixtures
from tests.ozg_monitoring.factories import RolloutStatusFactory

from .factories import StaffUserFactory, role_user
from .helpers import verified_client_login

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")


def panel_html(response, key) -> str:
    """The HTML of one panel of the start page ("" if it is not shown)."""
    match = re.search(rf'<section class="module start-panel" id="start-{key}".*?</section>', response.text, re.S)
    return match.group(0) if match else ""


def link_of(html: str, label: str) -> str:
    match = re.search(r'<a href="([^"]+)"><span class="start-count">[^<]*</span> ' + re.escape(label), html)
    assert match, f"no link for {label!r} in {html}"
    return unescape(match.group(1))


def result_count(client, url) -> int:
    """How many rows the change list at `url` shows (its own count, not the page's)."""
    response = client.get(url)
    assert response.status_code == 200, url
    assert "?e=1" not in response.url if hasattr(response, "url") else True
    return response.context["cl"].result_count


def superuser_client(client):
    user = StaffUserFactory(is_superuser=True)
    verified_client_login(client, user)
    client.user = user
    return client


def stale(status, days):
    RolloutStatus.objects.filter(pk=status.pk).update(updated_at=timezone.now() - datetime.timedelta(days=days))


def make_data(territory, n: int):  # noqa: F811
    """n of each kind of thing to do, and as many that are not to do."""
    today = timezone.localdate()
    for i in range(n):
        agreement = AgreementFactory()
        ObligationFactory(agreement=agreement, obligor=territory.land, due_on=today - datetime.timedelta(days=1 + i))
        ObligationFactory(agreement=agreement, obligor=territory.land, due_on=today + datetime.timedelta(days=5 + i))
        ObligationFactory(agreement=agreement, obligor=territory.land, due_on=today + datetime.timedelta(days=60))
        ObligationFactory(
            agreement=agreement,
            obligor=territory.land,
            due_on=today - datetime.timedelta(days=3),
            status=Obligation.Status.ERFUELLT,
        )
        DrawdownFactory(status="beantragt")
        DrawdownFactory(status="geprueft")
        ImportJob.objects.create(file="x.csv", uploaded_by=system_actor(), state=ImportJob.State.FAILED)
        ImportJob.objects.create(file="y.csv", uploaded_by=system_actor(), state=ImportJob.State.RUNNING)
        ImportJob.objects.create(file="z.csv", uploaded_by=system_actor(), state=ImportJob.State.DONE)
    for verwaltung in (territory.foehr, territory.husum, territory.kiel)[: max(n, 1)]:
        old = RolloutStatusFactory(verwaltung=verwaltung)
        stale(old, 400)
        LinkCheck.objects.create(status=old, url="https://dienst.example/x", ok=False, http_status=404)


# --- what the counts say, and where they link ---------------------------------------------------------


def test_counts_link_to_lists_that_show_exactly_those_rows(client, territory):  # noqa: F811
    client = superuser_client(client)
    make_data(territory, 2)
    today = timezone.localdate()
    signed_agreement(signed_on=today - datetime.timedelta(days=3 * 365 - 30), years=3)  # ends within 90 days
    signed_agreement(signed_on=today, years=3)  # ends later
    response = client.get(INDEX)
    assert response.status_code == 200
    text = response.text
    assert "Was jetzt zu tun ist" in text
    assert 'id="start-apps-heading"' in text and "app-cooperations" in text  # the app list stays below

    cases = [
        ("verpflichtungen", "überfällig", 2),
        ("verpflichtungen", "fällig in den nächsten 30 Tagen", 2),
        ("vereinbarungen", "enden in den nächsten 90 Tagen", 1),
        ("mittelabrufe", "warten auf Ihre Prüfung", 2),
        ("mittelabrufe", "warten auf Ihre Freigabe", 2),
        ("importe", "fehlgeschlagen in den letzten 30 Tagen", 2),
        ("importe", "laufen oder warten", 2),
        ("defekte-links", "Adressen von Online-Diensten", 2),
        ("veraltete-staende", "Verwaltungen ohne Änderung", 2),
    ]
    for key, label, expected in cases:
        html = panel_html(response, key)
        assert re.search(rf'<span class="start-count">{expected}</span> {re.escape(label)}', html), (key, label, html)
        assert result_count(client, link_of(html, label)) == expected, (key, label)


def test_drawdowns_of_my_own_request_are_not_mine_to_review(client, territory):  # noqa: F811
    reviewer = finance_user()
    verified_client_login(client, reviewer)
    DrawdownFactory(status="beantragt", requested_by=reviewer)  # four eyes: someone else reviews it
    DrawdownFactory(status="geprueft", requested_by=reviewer)
    other = DrawdownFactory(status="beantragt")
    html = panel_html(client.get(INDEX), "mittelabrufe")
    assert '<span class="start-count">1</span> warten auf Ihre Prüfung' in html
    assert '<span class="start-count">0</span> warten auf Ihre Freigabe' in html
    url = link_of(html, "warten auf Ihre Prüfung")
    listed = client.get(url).context["cl"].result_list
    assert [drawdown.pk for drawdown in listed] == [other.pk]


def test_empty_panels_say_nothing_is_open(client, territory):  # noqa: F811
    client = superuser_client(client)
    response = client.get(INDEX)
    for key in ("mittelabrufe", "verpflichtungen", "vereinbarungen", "importe", "defekte-links", "veraltete-staende"):
        html = panel_html(response, key)
        assert "Nichts offen." in html, key
        assert 'class="start-count"' not in html, key


# --- who sees which panel -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "shown", "hidden"),
    [
        ("Redaktion", {"verpflichtungen", "vereinbarungen"}, {"mittelabrufe", "importe", "veraltete-staende"}),
        ("Finanzen", {"mittelabrufe"}, {"verpflichtungen", "importe", "defekte-links"}),
        ("Monitoring", {"importe", "veraltete-staende", "defekte-links"}, {"mittelabrufe", "verpflichtungen"}),
        ("Administration", set(), {"mittelabrufe", "verpflichtungen", "importe", "veraltete-staende"}),
    ],
)
def test_panels_follow_the_permission_to_see_the_list(client, territory, group, shown, hidden):  # noqa: F811
    verified_client_login(client, role_user(group))
    response = client.get(INDEX)
    assert response.status_code == 200
    for key in shown:
        assert panel_html(response, key), (group, key)
    for key in hidden:
        assert not panel_html(response, key), (group, key)


@pytest.fixture
def kommune(client, territory):  # noqa: F811
    """A Kommune user of Amt Föhr-Amrum (meldend), logged in."""
    user = StaffUserFactory()
    user.groups.add(Group.objects.get(name="Kommune"))
    account_services.membership_grant(user=user, organisation=territory.foehr, by=system_actor())
    verified_client_login(client, user)
    client.user = user
    return client


def test_kommune_counts_only_its_own_verwaltungen(kommune, territory):  # noqa: F811
    make_data(territory, 3)  # stale statuses and broken links in Föhr-Amrum, Husum and Kiel
    response = kommune.get(INDEX)
    assert response.status_code == 200
    assert not panel_html(response, "mittelabrufe") and not panel_html(response, "verpflichtungen")
    html = panel_html(response, "veraltete-staende")
    assert '<span class="start-count">1</span> Verwaltung ohne Änderung' not in html  # the plural form below
    assert '<span class="start-count">1</span> Verwaltungen ohne Änderung' in html
    assert "Föhr-Amrum" in html and "Husum" not in html and "Kiel" not in html
    assert result_count(kommune, link_of(html, "Verwaltungen ohne Änderung")) == 1
    links = panel_html(response, "defekte-links")
    if links:  # the Kommune group may see the link checker's list
        assert '<span class="start-count">1</span>' in links


def test_stale_threshold_is_the_setting(client, territory, settings):  # noqa: F811
    client = superuser_client(client)
    status = RolloutStatusFactory(verwaltung=territory.foehr)
    stale(status, 100)  # about 3 months
    settings.STALE_STATUS_MONTHS = 6
    assert "Nichts offen." in panel_html(client.get(INDEX), "veraltete-staende")
    settings.STALE_STATUS_MONTHS = 2
    html = panel_html(client.get(INDEX), "veraltete-staende")
    assert "seit 2 Monaten" in html and "Föhr-Amrum, zuletzt geändert am" in html


def test_months_before():
    assert months_before(datetime.date(2026, 8, 31), 6) == datetime.date(2026, 2, 28)
    assert months_before(datetime.date(2026, 3, 15), 6) == datetime.date(2025, 9, 15)
    assert months_before(datetime.date(2024, 8, 31), 6) == datetime.date(2024, 2, 29)


# --- a fixed number of queries ----------------------------------------------------------------------------


# A superuser: session, user, the verified second-factor device, one count per line of the six panels
# (drawdowns 2, obligations 2, agreements 1, imports 2, stale Verwaltungen 2, broken links 1), the reminders
# (the planned ones 4: agreements, obligations, sent logs, the fallback group; the unreached 1), the recent actions.
STAFF_QUERIES = 19
# A Kommune user: session, user, device, its permissions (2), its writing memberships, its own imports (2), its
# memberships (the scope, asked once per request), the stale Verwaltungen (2), the broken links of its own
# statuses (1; Kommune users see those since the self-service of issue 17), the keys of its own statuses for
# "Fehlende Umsetzungsstände" (1; the responsibility is a cached read) and the recent actions: 14, for any amount
# of data.
KOMMUNE_QUERIES = 14


@pytest.mark.parametrize("n", [1, 3])
def test_staff_start_page_queries_do_not_grow_with_the_data(client, territory, django_assert_num_queries, n):  # noqa: F811
    client = superuser_client(client)
    make_data(territory, n)
    client.get(INDEX)  # warm: content types and the layout's cached notices
    with django_assert_num_queries(STAFF_QUERIES):
        assert client.get(INDEX).status_code == 200


@pytest.mark.parametrize("n", [1, 3])
def test_kommune_start_page_queries_do_not_grow_with_the_data(kommune, territory, django_assert_num_queries, n):  # noqa: F811
    make_data(territory, n)
    kommune.get(INDEX)  # warm: content types and the layout's cached notices
    with django_assert_num_queries(KOMMUNE_QUERIES):
        assert kommune.get(INDEX).status_code == 200


# --- reminders: what the next runs send, and what reached nobody ------------------------------------------


def test_reminder_panel_names_what_to_whom_and_when_and_counts_the_unreached(client, settings):
    from cooperations import services as cooperation_services
    from cooperations.models import ReminderLog

    today = timezone.localdate()
    redaktion = role_user("Redaktion")
    redaktion.email = "redaktion@itvsh.example"
    redaktion.save()
    starts = today + datetime.timedelta(days=30)
    agreement = signed_agreement(signed_on=starts.replace(year=starts.year - 3), years=3)  # ends in about 30 days
    verified_client_login(client, redaktion)
    html = panel_html(client.get(INDEX), "erinnerungen")
    assert "1</span> Erinnerung in den nächsten 14 Tagen" in html
    assert f"„{agreement.title}“ an redaktion@itvsh.example" in unescape(html)
    # the same reminder, now without anybody to reach: recorded by the daily run, counted and listed
    settings.REMINDER_FALLBACK_GROUP = "Gibt es nicht"
    cooperation_services.cooperations_daily(today=today, by=system_actor())
    assert ReminderLog.objects.filter(sent_at__isnull=True).count() == 1
    html = panel_html(client.get(INDEX), "erinnerungen")
    label = "Erinnerung hat niemanden erreicht und ist seitdem nicht versandt"
    assert result_count(client, link_of(html, label)) == 1
    assert "niemanden (kein Empfänger gefunden)" in unescape(html)


# --- what is missing for a Kommune's Verwaltungen ---------------------------------------------------------------


def test_kommune_sees_the_leistungen_without_status_of_its_verwaltungen(kommune, territory):  # noqa: F811
    from tests.ozg_monitoring.factories import OzgLeistungFactory

    with_status, missing_one, missing_two = (OzgLeistungFactory(name=f"Leistung {n}") for n in "ABC")
    RolloutStatusFactory(leistung=with_status, verwaltung=territory.foehr)
    RolloutStatusFactory(leistung=missing_one, verwaltung=territory.husum)  # another Verwaltung's status
    html = panel_html(kommune.get(INDEX), "fehlende-staende")
    assert '<span class="start-count">2</span> Leistungen ohne Stand' in html
    page = kommune.get(link_of(html, "Leistungen ohne Stand"))
    text = unescape(page.content.decode())
    assert page.status_code == 200 and "2 Leistungen ohne Stand" in text
    assert "Leistung B" in text and "Leistung C" in text and "Leistung A" not in text
    assert "Husum" not in text  # only its own Verwaltung
    refused = kommune.get(reverse("admin:ozg_monitoring_rolloutstatus_missing"), {"verwaltung": territory.husum.pk})
    assert refused.status_code == 400 and "Verwaltung: " in refused.content.decode()
    RolloutStatusFactory(leistung=missing_two, verwaltung=territory.foehr)
    assert '<span class="start-count">1</span>' in panel_html(kommune.get(INDEX), "fehlende-staende")


def test_staff_acting_for_all_get_no_missing_panel_but_may_choose_a_verwaltung(client, territory):  # noqa: F811
    from tests.ozg_monitoring.factories import OzgLeistungFactory

    OzgLeistungFactory(name="Leistung X")
    client = superuser_client(client)
    assert not panel_html(client.get(INDEX), "fehlende-staende")
    url = reverse("admin:ozg_monitoring_rolloutstatus_missing")
    page = client.get(url, {"verwaltung": territory.foehr.pk})
    assert page.status_code == 200 and "Leistung X" in unescape(page.content.decode())
    assert "Stand für „Leistung X“ erfassen" in unescape(page.content.decode())
    assert client.get(url, {"verwaltung": "abc"}).status_code == 400
