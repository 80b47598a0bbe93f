""" "zuletzt erreichbar am …" (issue 15, point 4): public pages show what the link checker last found at a status's
current address, in one query per page, and nothing where it never checked or checked an address since replaced."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ozg_monitoring import selectors
from ozg_monitoring.models import LinkCheck

from .factories import OnlineStatusFactory

pytestmark = pytest.mark.django_db


def _check(status, *, ok, days_ago=1, url=None):
    return LinkCheck.objects.create(
        status=status,
        url=url or status.url,
        ok=ok,
        http_status=200 if ok else 404,
        checked_at=timezone.now() - datetime.timedelta(days=days_ago),
    )


def _day(days_ago):
    return (timezone.localtime() - datetime.timedelta(days=days_ago)).strftime("%d.%m.%Y")


def test_the_last_check_of_the_current_address_counts(territory, django_assert_num_queries):
    reached, broken, moved, never = (OnlineStatusFactory(verwaltung=territory.foehr) for _ in range(4))
    _check(reached, ok=False, days_ago=3)
    _check(reached, ok=True, days_ago=1)  # the last one decides
    _check(broken, ok=False, days_ago=2)
    _check(moved, ok=True, url="https://alt.example/dienst")
    with django_assert_num_queries(1):
        statuses = selectors.with_last_checks([reached, broken, moved, never])
    assert [getattr(status.last_check, "ok", None) for status in statuses] == [True, False, None, None]


def test_pages_say_when_a_service_was_last_reached(territory, client):
    reached = OnlineStatusFactory(verwaltung=territory.foehr)
    broken = OnlineStatusFactory(verwaltung=territory.foehr)
    never = OnlineStatusFactory(verwaltung=territory.foehr)
    _check(reached, ok=True, days_ago=1)
    _check(broken, ok=False, days_ago=2)
    pages = [
        reverse("ozg_monitoring:verwaltung_detail", args=[territory.foehr.ars]),
        reverse("ozg_monitoring:lookup_gemeinde", args=[territory.alkersum.ars]),
    ]
    for url in pages:
        page = client.get(url).content.decode()
        assert f"zuletzt erreichbar am {_day(1)}" in page, url
        assert f"zuletzt nicht erreichbar (geprüft am {_day(2)})" in page, url
        assert page.count("data-erreichbar=") == 2, url  # nothing for the status never checked
    page = client.get(reverse("ozg_monitoring:leistung_detail", args=[never.leistung.ozg_id])).content.decode()
    assert "data-erreichbar=" not in page
    page = client.get(reverse("ozg_monitoring:leistung_detail", args=[reached.leistung.ozg_id])).content.decode()
    assert f"zuletzt erreichbar am {_day(1)}" in page


def test_a_new_check_replaces_the_cached_page(territory, client, django_capture_on_commit_callbacks):
    status = OnlineStatusFactory(verwaltung=territory.foehr)
    url = reverse("ozg_monitoring:verwaltung_detail", args=[territory.foehr.ars])
    assert "data-erreichbar=" not in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        _check(status, ok=False, days_ago=0)
    assert 'data-erreichbar="nein"' in client.get(url).content.decode()


def test_only_online_shows_what_she_can_do_online_where_she_lives(territory, client):
    from .factories import RolloutStatusFactory

    online = OnlineStatusFactory(verwaltung=territory.foehr)
    planned = RolloutStatusFactory(verwaltung=territory.foehr)
    elsewhere = OnlineStatusFactory(verwaltung=territory.husum)  # online, but not at her Amt
    url = reverse("ozg_monitoring:lookup_gemeinde", args=[territory.alkersum.ars])
    everything = client.get(url).context["rows"]
    assert {row.leistung for row in everything} >= {online.leistung, planned.leistung, elsewhere.leistung}
    response = client.get(url, {"nur_online": "1"})
    assert [row.leistung for row in response.context["rows"]] == [online.leistung]
    assert response.context["page"].paginator.count == 1
    assert 'name="nur_online" type="checkbox" value="1" checked' in response.content.decode()


def test_one_form_for_place_and_service_goes_straight_to_the_answer(
    territory, client, django_capture_on_commit_callbacks
):
    home = client.get("/").content.decode()
    assert 'action="/ozg/online-erledigen/"' in home and 'name="ort"' in home and 'name="q"' in home
    response = client.get(reverse("ozg_monitoring:lookup"), {"ort": "Alkersum", "q": "Auto ummelden"})
    assert response.status_code == 302
    assert response["Location"] == reverse("ozg_monitoring:lookup_gemeinde", args=[territory.alkersum.ars]) + (
        "?q=Auto+ummelden"
    )
    # an ambiguous place: a short choice whose links keep the service
    from tests.organisations.factories import AmtsangehoerigeGemeindeFactory

    with django_capture_on_commit_callbacks(execute=True):  # committed: the cached answers are replaced
        AmtsangehoerigeGemeindeFactory(amt=territory.foehr, number="099", name="Alkersumer Koog")
    choice = client.get(reverse("ozg_monitoring:lookup"), {"ort": "Alkersum", "q": "Wohngeld"})
    assert choice.status_code == 200 and len(choice.context["results"]) == 2
    assert f"/ozg/online-erledigen/{territory.alkersum.ars}/?q=Wohngeld" in choice.content.decode()


def test_a_service_not_online_says_what_to_do_next(territory, client):
    import datetime as dt

    from .factories import RolloutStatusFactory

    planned = RolloutStatusFactory(verwaltung=territory.foehr, planned_go_live=dt.date(2027, 3, 1))
    url = reverse("ozg_monitoring:lookup_gemeinde", args=[territory.alkersum.ars])
    page = client.get(url, {"q": planned.leistung.name}).content.decode()
    assert "Noch nicht online, geplant für 03/2027." in page
    assert f'href="{territory.foehr.get_absolute_url()}"' in page and "Kontakt und Angebote" in page
