"""API: filters (same as the pages), 400 on unknown values, nested detail, constant query counts, staff-only
writes through the services with field messages."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from rest_framework.test import APIClient

from common.authorization import system_actor
from cooperations.models import Agreement, Measure, Topic

from .factories import AmtFactory, KreisFactory, LandFactory, signed_agreement

pytestmark = pytest.mark.django_db
URL = "/api/v1/cooperations/agreements/"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def staff_api(django_user_model):
    """A member of the group Redaktion, which writes agreements and measures."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("staff", is_staff=True)
    user.groups.add(Group.objects.get(name="Redaktion"))
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def founding(register):
    call_command("load_founding_agreements", stdout=io.StringIO())


def _slugs(response):
    assert response.status_code == 200, response.content
    return sorted(row["slug"] for row in response.json()["results"])


def test_filters(api, founding):
    assert _slugs(api.get(URL, {"party_ars_prefix": "01054"})) == ["verwaltungskooperation-foehr-amrum-2024"]
    assert _slugs(api.get(URL, {"party_ars": "010585890000"})) == ["verwaltungskooperation-huettener-berge-2018"]
    assert len(_slugs(api.get(URL, {"party_ars": "010000000000"}))) == 7
    assert _slugs(api.get(URL, {"kind": "absichtserklaerung"})) == ["absichtserklaerung-ozg-2018"]
    assert _slugs(api.get(URL, {"status": "ersetzt"})) == ["kooperationsvereinbarung-land-itvsh-erste"]
    assert _slugs(api.get(URL, {"status": "unbekannt"})) == [
        "absichtserklaerung-ozg-2018",
        "entlastungsvereinbarung-2018",
        "itvsh-gesetz-2018",
    ]
    assert _slugs(api.get(URL, {"topic": "open-data"})) == ["verwaltungskooperation-foehr-amrum-2024"]
    assert "verwaltungskooperation-huettener-berge-2018" in _slugs(api.get(URL, {"in_force_on": "2019-01-01"}))
    assert api.get(URL).json()["count"] == 7


@pytest.mark.parametrize(
    "params", [{"kind": "x"}, {"status": "x"}, {"topic": "x"}, {"party_ars": "123"}, {"in_force_on": "x"}]
)
def test_unknown_filter_values_are_400(api, db, params):
    response = api.get(URL, params)
    assert response.status_code == 400
    assert set(response.json()) == set(params)


def test_detail_nests_parties_and_measures(api, founding):
    body = api.get(URL + "verwaltungskooperation-foehr-amrum-2024/").json()
    assert {party["organisation"]["ars"] for party in body["parties"]} == {"010000000000", "010545488000"}
    assert len(body["measures"]) == 5 and body["progress"] is None
    assert body["signed_on"] is None and body["signed_date_unknown"] is True
    assert [source["published_on"] for source in body["sources"]] == ["2024-05-13"]
    renewal = api.get(URL + "kooperationsvereinbarung-land-itvsh-2025/").json()
    assert renewal["predecessor"] == "kooperationsvereinbarung-land-itvsh-erste"
    assert api.get(URL + "kooperationsvereinbarung-land-itvsh-erste/").json()["successor"] == renewal["slug"]


def test_derived_values_are_marked_in_the_api(api, founding):
    renewal = api.get(URL + "kooperationsvereinbarung-land-itvsh-2025/").json()
    assert renewal["effective_from"] == "2025-01-01" and renewal["effective_from_precision"] == "year"
    assert set(renewal["derived"]) == {"effective_from", "term_start", "term_end"}
    assert "„für 2025“" in renewal["derived"]["effective_from"]
    assert "plus 5 Jahre" in renewal["derived"]["term_end"]
    huetten = api.get(URL + "verwaltungskooperation-huettener-berge-2018/").json()
    assert huetten["effective_from"] is None and huetten["term_start"] == "2018-05-04"
    assert "Unterzeichnungsdatum abgeleitet" in huetten["derived"]["term_start"]
    assert "19. Wahlperiode" in huetten["derived"]["term_end"]
    assert huetten["status"] == "ausgelaufen" and "06.06.2022" in huetten["derived"]["status"]
    law = api.get(URL + "itvsh-gesetz-2018/").json()
    assert (law["kind"], law["status"], law["signed_date_unknown"], law["effective_from"]) == (
        "gesetzentwurf",
        "unbekannt",
        False,
        None,
    )
    assert law["derived"] == {}
    listed = {row["slug"]: row for row in api.get(URL).json()["results"]}
    assert listed["kooperationsvereinbarung-land-itvsh-2025"]["derived"] == renewal["derived"]


def test_derived_reasons_are_checked_by_the_service(api, founding, django_user_model):
    from cooperations import services
    from cooperations.models import Agreement

    agreement = Agreement.objects.get(slug="verwaltungskooperation-foehr-amrum-2024")
    for bad in ({"title": "x"}, {"status": ""}, ["status"], {"status": "x" * 1001}):
        with pytest.raises(ValidationError) as error:
            services.agreement_update(agreement=agreement, by=system_actor(), derived=bad)
        assert "derived" in error.value.message_dict
    agreement.refresh_from_db()
    assert agreement.derived == {}


def test_measures_endpoint(api, founding):
    response = api.get("/api/v1/cooperations/measures/", {"agreement": "verwaltungskooperation-foehr-amrum-2024"})
    assert response.json()["count"] == 5


@pytest.mark.parametrize("count", [5, 30])
def test_list_query_count_is_constant(api, django_assert_num_queries, count):
    kreis = KreisFactory()
    topics = list(Topic.objects.all()[:2])
    for _ in range(count):
        signed_agreement(partner=AmtFactory(kreis=kreis)).topics.set(topics)
    with django_assert_num_queries(4):  # count, rows, parties+bodies, topics
        response = api.get(URL, {"page_size": 100})
    assert response.json()["count"] == count


@pytest.mark.parametrize("count", [5, 30])
def test_detail_query_count_is_constant(api, django_assert_num_queries, count):
    agreement = signed_agreement(signed_on=datetime.date(2025, 1, 1), years=5)
    for index in range(count):
        Measure.objects.create(agreement=agreement, title=f"M{index}", progress=10)
    with django_assert_num_queries(10):
        response = api.get(URL + f"{agreement.slug}/")
    assert len(response.json()["measures"]) == count


def test_anonymous_and_non_staff_cannot_write(api, django_user_model, db):
    assert api.post(URL, {"slug": "x"}, format="json").status_code in (401, 403)
    client = APIClient()
    client.force_authenticate(django_user_model.objects.create_user("buerger"))
    assert client.post(URL, {"slug": "x"}, format="json").status_code == 403
    assert Agreement.objects.count() == 0


def test_staff_write_goes_through_the_services(staff_api, db):
    land, amt = LandFactory(), AmtFactory()
    payload = {
        "slug": "neu",
        "kind": "verwaltungskooperation",
        "title": "Neu",
        "status": "in_kraft",
        "term_kind": "years",
        "duration_years": 2,
        "parties": [{"organisation": land.pk, "role": "land"}, {"organisation": amt.pk, "role": "partnerkommune"}],
    }
    response = staff_api.post(URL, payload, format="json")
    assert response.status_code == 400
    assert "Unterzeichnungsdatum" in response.json()["status"][0]
    payload["signed_on"] = "2025-03-01"
    payload["effective_from"] = "2025-02-01"
    response = staff_api.post(URL, payload, format="json")
    assert response.status_code == 400 and "effective_from" in response.json()
    payload["effective_from"] = "2025-03-01"
    response = staff_api.post(URL, payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["term_end"] == "2027-02-28"
    measure = staff_api.post(
        "/api/v1/cooperations/measures/", {"agreement": "neu", "title": "M", "progress": 120}, format="json"
    )
    assert measure.status_code == 400 and "progress" in measure.json()
    late = staff_api.post(
        "/api/v1/cooperations/measures/", {"agreement": "neu", "title": "M", "end_on": "2028-01-01"}, format="json"
    )
    assert late.status_code == 400 and "end_on" in late.json()
    patch = staff_api.patch(URL + "neu/", {"title": "Neu (geändert)"}, format="json")
    assert patch.status_code == 200 and patch.json()["title"] == "Neu (geändert)"


def test_api_refuses_participants_and_lead_outside_the_parties_with_a_field_message(staff_api, db):
    from cooperations.models import Measure

    from .factories import KreisFactory, signed_agreement

    agreement = signed_agreement()
    stranger, party = KreisFactory(), agreement.parties.first().organisation
    url = "/api/v1/cooperations/measures/"
    body = {"agreement": agreement.slug, "title": "M", "participants": [party.pk, stranger.pk]}
    response = staff_api.post(url, body, format="json")
    assert response.status_code == 400
    assert stranger.name in response.json()["participants"][0] and not Measure.objects.exists()
    response = staff_api.post(url, {"agreement": agreement.slug, "title": "M", "lead": stranger.pk}, format="json")
    assert response.status_code == 400 and "keine Partei" in response.json()["lead"][0]
    response = staff_api.post(url, {**body, "participants": [party.pk]}, format="json")
    assert response.status_code == 201, response.json()
