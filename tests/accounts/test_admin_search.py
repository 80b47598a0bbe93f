"""Search across the admin (/admin/suche/?q=, accounts/admin_search.py): by name, ARS/AGS, OZG-ID, LeiKa key,
agreement slug and token prefix; grouped by kind, limited per kind with "weitere …", only the kinds the user
may view, a Kommune user only its own Verwaltungen' rows, one query per kind."""

import re
from html import unescape

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import services as account_services
from accounts.admin_search import KINDS, PER_KIND
from common.authorization import system_actor
from tests.cooperations.factories import AgreementFactory
from tests.ozg_monitoring.conftest import _plain_static_storage, territory  # noqa: F401 - fixtures
from tests.ozg_monitoring.factories import LeikaLeistungFactory, OzgLeistungFactory, RolloutStatusFactory

from .factories import StaffUserFactory, issue_token, role_user
from .helpers import verified_client_login

pytestmark = pytest.mark.django_db

SEARCH = reverse("admin:search")


def kinds_shown(response) -> list[str]:
    return re.findall(r'<section class="module search-kind"[^>]*>\s*<h2[^>]*>([^<]+)</h2>', response.text)


def hits(response) -> list[str]:
    found = re.findall(r'<li><a href="/admin/[^"]+/change/">([^<]+)</a></li>', response.text)
    return [unescape(text) for text in found]


@pytest.fixture
def superuser(client):
    verified_client_login(client, StaffUserFactory(is_superuser=True))
    return client


def test_finds_by_name_ars_ozg_id_leika_key_slug_and_prefix(superuser, territory):  # noqa: F811
    leistung = OzgLeistungFactory(name="Wohngeld beantragen")
    leika = LeikaLeistungFactory(key="99001001000000", name="Wohngeld Zuschuss", ozg_leistung=leistung)
    agreement = AgreementFactory(slug="kooperation-foehr-amrum-2024", title="Verwaltungskooperation Föhr-Amrum")
    token, _key = issue_token()

    cases = [
        ("Föhr", "Stellen", "Föhr-Amrum"),
        (territory.foehr.ars, "Stellen", "Föhr-Amrum"),
        (str(leistung.ozg_id), "OZG-Leistungen", "Wohngeld beantragen"),
        (leika.key, "LeiKa-Leistungen", "Wohngeld Zuschuss"),
        ("kooperation-foehr-amrum-2024", "Vereinbarungen", agreement.title),
        (f"{token.prefix}…", "API-Tokens", str(token)),
    ]
    for query, kind, expected in cases:
        response = superuser.get(SEARCH, {"q": query})
        assert response.status_code == 200
        assert any(kind in shown for shown in kinds_shown(response)), (query, kinds_shown(response))
        assert any(expected in hit for hit in hits(response)), (query, hits(response))


def test_results_link_to_change_pages_and_more_to_the_change_list(superuser, territory):  # noqa: F811
    for number in range(PER_KIND + 2):
        OzgLeistungFactory(name=f"Hundesteuer {number:02d}")
    response = superuser.get(SEARCH, {"q": "Hundesteuer"})
    assert len([hit for hit in hits(response) if hit.startswith("Hundesteuer")]) == PER_KIND
    more = re.search(r'<a href="([^"]+)">weitere OZG-Leistungen zu „Hundesteuer“ anzeigen</a>', response.text)
    assert more, response.text
    listed = superuser.get(unescape(more.group(1)))
    assert listed.status_code == 200 and listed.context["cl"].result_count == PER_KIND + 2
    first = re.search(r'<li><a href="(/admin/ozg_monitoring/ozgleistung/\d+/change/)">', response.text).group(1)
    assert superuser.get(first).status_code == 200


def test_empty_search_and_no_hits_in_german(superuser, territory):  # noqa: F811
    assert "Bitte einen Suchbegriff eingeben." in superuser.get(SEARCH).text
    response = superuser.get(SEARCH, {"q": "gibtesnicht"})
    assert response.status_code == 200 and "Nichts gefunden zu „gibtesnicht“." in response.text
    assert kinds_shown(response) == []


def test_search_box_in_the_admin_header(superuser):
    text = superuser.get(reverse("admin:index")).text
    assert 'role="search"' in text and 'action="/admin/suche/"' in text
    assert '<label for="admin-search-q" class="visually-hidden">Suche in der Verwaltung</label>' in text


def test_kinds_the_user_may_not_view_are_not_searched(client, territory):  # noqa: F811
    token, _key = issue_token(name="Föhr-Schnittstelle")
    AgreementFactory(title="Kooperation Föhr")
    verified_client_login(client, role_user("Redaktion"))
    response = client.get(SEARCH, {"q": "Föhr"})
    shown = kinds_shown(response)
    assert "Vereinbarungen" in shown
    assert "API-Tokens" not in shown and str(token) not in response.text


def test_kommune_finds_only_its_own_verwaltungen_rows(client, territory):  # noqa: F811
    user = StaffUserFactory()
    user.groups.add(Group.objects.get(name="Kommune"))
    account_services.membership_grant(user=user, organisation=territory.foehr, by=system_actor())
    leistung = OzgLeistungFactory(name="Bauantrag stellen")
    RolloutStatusFactory(leistung=leistung, verwaltung=territory.foehr)
    RolloutStatusFactory(leistung=leistung, verwaltung=territory.husum)
    verified_client_login(client, user)
    response = client.get(SEARCH, {"q": str(leistung.ozg_id)})
    assert response.status_code == 200
    assert kinds_shown(response) == ["Umsetzungsstände"]
    found = hits(response)
    assert len(found) == 1 and "Föhr-Amrum" in found[0] and "Husum" not in response.text


def test_anonymous_and_unverified_users_do_not_reach_the_search(client):
    response = client.get(SEARCH, {"q": "x"})
    assert response.status_code == 302 and "/admin/login/" in response.url


# The session, the user and the second-factor device, then one query per kind searched (a superuser may view
# every kind in KINDS), whether it finds nothing, some or more than PER_KIND rows.
BASE_QUERIES = 3


@pytest.mark.parametrize("n", [1, PER_KIND + 3])
def test_search_queries_per_kind_are_constant(superuser, territory, django_assert_num_queries, n):  # noqa: F811
    for number in range(n):
        leistung = OzgLeistungFactory(name=f"Gewerbe {number}")
        RolloutStatusFactory(leistung=leistung, verwaltung=territory.foehr)
        AgreementFactory(title=f"Gewerbe-Kooperation {number}")
    superuser.get(SEARCH, {"q": "Gewerbe"})  # warm: content types and the layout's cached notices
    with django_assert_num_queries(BASE_QUERIES + len(KINDS)):
        response = superuser.get(SEARCH, {"q": "Gewerbe"})
    assert "OZG-Leistungen" in kinds_shown(response) and "Vereinbarungen" in kinds_shown(response)
