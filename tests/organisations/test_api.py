"""The register API: /api/v1/organisations/ and /api/v1/organisations/{ars}/."""

import pytest
from rest_framework.test import APIClient

from tests.organisations.factories import AmtFactory, AmtsangehoerigeGemeindeFactory

URL = "/api/v1/organisations/"


@pytest.fixture
def api():
    return APIClient()


def test_ars_prefix_of_an_amt_lists_the_amt_and_its_15_gemeinden(api, register):
    response = api.get(URL, {"ars_prefix": "010545488"})
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 16
    kinds = [row["kind"] for row in data["results"]]
    assert kinds.count("amt") == 1 and kinds.count("amtsangehoerige_gemeinde") == 15
    amt = next(row for row in data["results"] if row["kind"] == "amt")
    assert amt["display_name"] == "Amt Föhr-Amrum" and amt["ars"] == "010545488000" and amt["member_count"] == 15
    gemeinde = next(row for row in data["results"] if row["kind"] != "amt")
    assert gemeinde["amt"]["ars"] == "010545488000" and gemeinde["verwaltung"]["ars"] == "010545488000"
    assert gemeinde["kreis"]["ars"] == "010540000000" and gemeinde["member_count"] is None


def test_filters(api, register):
    def count(**params):
        response = api.get(URL, params)
        assert response.status_code == 200, response.json()
        return response.json()["count"]

    assert count(kind="amt") == 83
    assert count(kind=["kreis", "kreisfreie_stadt"]) == 15
    assert count(kind="amtsangehoerige_gemeinde") == 1018
    assert count(ars="010585890008") == 1
    assert count(ars_prefix="01058") == 1 + 13 + 165  # Kreis, its Ämter, its Gemeinden
    assert count(ars_prefix="01058", kind="amt") == 13
    assert count(parent="010585890000") == 16  # the Gemeinden of Amt Hüttener Berge
    amt_id = register.get(ars="010585890000").pk
    assert count(parent=str(amt_id)) == 16
    assert count(parent="010000000000") == 15
    assert count(search="Ascheffel") == 1
    assert count() == 1208


def test_search_is_ranked_exact_first(api, register):
    results = api.get(URL, {"search": "Kiel"}).json()["results"]
    assert results[0]["name"] == "Kiel, Landeshauptstadt"
    results = api.get(URL, {"search": "stadt heide"}).json()["results"]
    assert results[0]["name"] == "Heide, Stadt"
    results = api.get(URL, {"search": "Schoenberg"}).json()["results"]
    assert {r["name"] for r in results} >= {"Schönberg (Holstein)", "Schönberg"}
    results = api.get(URL, {"search": "24358"}).json()["results"]
    assert {r["name"] for r in results} == {"Ascheffel", "Ahlefeld-Bistensee", "Hütten"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "dorf"}, "kind"),
        ({"ars": "12345"}, "ars"),
        ({"ars": "020000000000"}, "ars"),
        ({"ars_prefix": "0"}, "ars_prefix"),
        ({"ars_prefix": "02058"}, "ars_prefix"),
        ({"ars_prefix": "0105845678901"}, "ars_prefix"),
        ({"ars_prefix": "01058x"}, "ars_prefix"),
        ({"parent": "Amt"}, "parent"),
        ({"search": "123"}, "search"),
        ({"search": "x"}, "search"),
        ({"ordering": "bevoelkerung"}, "ordering"),
        ({"page_size": "abc", "page": "999"}, None),
    ],
)
def test_malformed_values_get_a_400_with_a_message(api, db, params, field):
    response = api.get(URL, params)
    if field is None:  # an out-of-range page is DRF's 404
        assert response.status_code == 404
        return
    assert response.status_code == 400
    messages = response.json()[field]
    assert messages and all(isinstance(m, str) and m for m in messages)


def test_detail_by_ars_and_slug(api, register):
    response = api.get(f"{URL}010585890008/")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Ascheffel" and body["ags"] == "01058008" and body["kind_label"] == "Amtsangehörige Gemeinde"
    assert body["amt"]["display_name"] == "Amt Hüttener Berge"
    assert body["kreis"]["display_name"] == "Kreis Rendsburg-Eckernförde"
    assert body["population"] == 974 and body["area_km2"] == 10.39 and body["postal_code"] == "24358"
    assert body["territory_as_of"] == "2025-11-30"
    assert body["url"].endswith("/kommunen/010585890008/")
    assert api.get(f"{URL}itvsh/").json()["short_name"] == "ITV.SH"


@pytest.mark.parametrize(
    ("key", "status"),
    [("010585890009", 404), ("0105", 400), ("020000000000", 400), ("ITV SH", 400), ("unbekannt", 404)],
)
def test_detail_errors(api, db, key, status):
    response = api.get(f"{URL}{key}/")
    assert response.status_code == status
    assert response.json()


def test_read_only(api, register):
    assert api.post(URL, {"name": "X"}).status_code in (401, 403, 405)


def test_list_query_count_is_constant(api, db, django_assert_num_queries):
    amt = AmtFactory()
    AmtsangehoerigeGemeindeFactory.create_batch(3, amt=amt)  # with Amt, Kreis and Land: 6 rows
    with django_assert_num_queries(2):  # count + page
        assert api.get(URL, {"page_size": 100}).json()["count"] == 6
    AmtsangehoerigeGemeindeFactory.create_batch(45, amt=amt)
    with django_assert_num_queries(2):
        assert api.get(URL, {"page_size": 100}).json()["count"] == 51
    with django_assert_num_queries(3):  # anything as typed? (else the closest names), count, page
        assert api.get(URL, {"search": "Testdorf", "page_size": 100}).json()["count"] == 48
    with django_assert_num_queries(1):
        assert api.get(f"{URL}{amt.ars}/").json()["member_count"] == 48


def test_schema_documents_the_filters(api, db):
    response = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    parameters = {p["name"] for p in schema["paths"]["/api/v1/organisations/"]["get"]["parameters"]}
    assert {"kind", "ars", "ars_prefix", "parent", "search", "ordering", "page", "page_size"} <= parameters
    assert "/api/v1/organisations/{ars}/" in schema["paths"]
