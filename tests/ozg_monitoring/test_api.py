import datetime
import json

import pytest
from rest_framework.test import APIClient

from common.authorization import system_actor
from ozg_monitoring.models import ExecutingLevel, RolloutStatus, StatusEvent

from .factories import LeikaLeistungFactory, OnlineStatusFactory, OzgLeistungFactory, RolloutStatusFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def token_for(django_user_model):
    """token_for(*verwaltungen, scope="read_write") -> an APIClient authenticated with a fresh token."""

    def make(*verwaltungen, scope="read_write"):
        from django.contrib.auth.models import Group

        from accounts.services import api_token_create, membership_grant

        user = django_user_model.objects.create_user(f"kommune{django_user_model.objects.count()}")
        user.groups.add(Group.objects.get(name="Kommune"))  # the group's permission: write statuses
        for verwaltung in verwaltungen:
            membership_grant(user=user, organisation=verwaltung, by=system_actor())
        _token, key = api_token_create(user=user, name="Fachverfahren", scope=scope, by=system_actor())
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        client.user = user
        return client

    return make


def test_catalogue_endpoints(api):
    leistung = OzgLeistungFactory(name="Wohngeld")
    LeikaLeistungFactory(ozg_leistung=leistung)
    body = api.get("/api/v1/ozg/leistungen/", {"q": "wohngeld"}).json()
    assert body["count"] == 1 and body["results"][0]["ozg_id"] == leistung.ozg_id
    detail = api.get(f"/api/v1/ozg/leistungen/{leistung.ozg_id}/").json()
    assert detail["web_url"] == f"/ozg/leistungen/{leistung.ozg_id}/"
    assert api.get("/api/v1/ozg/themenfelder/").json()["count"] == 1
    assert api.get("/api/v1/ozg/lebenslagen/").json()["count"] == 1
    assert api.get("/api/v1/ozg/leika/", {"ozg_id": leistung.ozg_id}).json()["count"] == 1


def test_status_list_filters(api, territory):
    kreis_level = OzgLeistungFactory(level=ExecutingLevel.KREIS)
    OnlineStatusFactory(leistung=kreis_level, verwaltung=territory.nf, maturity_level=4)
    RolloutStatusFactory(leistung=kreis_level, verwaltung=territory.kiel)
    RolloutStatusFactory(verwaltung=territory.foehr)
    assert api.get("/api/v1/ozg/status/", {"ars_prefix": "01054"}).json()["count"] == 2
    assert api.get("/api/v1/ozg/status/", {"ars": territory.kiel.ars}).json()["count"] == 1
    assert api.get("/api/v1/ozg/status/", {"ozg_id": kreis_level.ozg_id}).json()["count"] == 2
    assert api.get("/api/v1/ozg/status/", {"stage": "online"}).json()["count"] == 1
    assert api.get("/api/v1/ozg/status/", {"min_level": 4}).json()["count"] == 1
    themenfeld = kreis_level.themenfeld.catalogue_id
    assert api.get("/api/v1/ozg/status/", {"themenfeld": themenfeld}).json()["count"] == 2
    future = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)).isoformat()
    assert api.get("/api/v1/ozg/status/", {"changed_since": future}).json()["count"] == 0


@pytest.mark.parametrize("params", [{"stage": "fertig"}, {"ars_prefix": "1x"}, {"changed_since": "gestern"}])
def test_unknown_filter_values_are_400(api, params):
    assert api.get("/api/v1/ozg/status/", params).status_code == 400


def test_status_list_costs_constant_queries(api, territory, token_for, django_assert_num_queries):
    from ozg_monitoring.selectors import READS

    client = token_for(territory.foehr, scope="read")
    client.get("/api/v1/ozg/themenfelder/")  # the token's last use is stored once a minute: here, not below

    def count_queries():
        READS.replace()  # the factories' writes replace it on commit, which a test's transaction never reaches
        with django_assert_num_queries(2):  # count + one page with its joins
            count = api.get("/api/v1/ozg/status/", {"page_size": 100}).json()["count"]
        with django_assert_num_queries(0):  # the anonymous page is cached until the next write
            api.get("/api/v1/ozg/status/", {"page_size": 100})
        with django_assert_num_queries(2):  # the token with its user + the page; the count is cached
            assert client.get("/api/v1/ozg/status/", {"page_size": 100}).json()["count"] == count
        return count

    OnlineStatusFactory.create_batch(3, verwaltung=territory.foehr)
    assert count_queries() == 3
    OnlineStatusFactory.create_batch(30, verwaltung=territory.husum)
    assert count_queries() == 33


def test_status_list_rows_are_the_serializers(api, territory):
    """The list reads values(), not instances: every row is what StatusSerializer makes of the same status (dates,
    times, the provider's ARS or null, the Leistung's and Verwaltung's names), in the same order of keys."""
    from ozg_monitoring.api.serializers import StatusSerializer
    from ozg_monitoring.selectors import status_list

    OnlineStatusFactory(
        verwaltung=territory.foehr,
        provider=territory.kiel,
        planned_go_live=datetime.date(2026, 3, 1),
        actual_go_live=datetime.date(2026, 4, 2),
        note="Über die OZG-Cloud",
    )
    RolloutStatusFactory(verwaltung=territory.husum)
    rows = api.get("/api/v1/ozg/status/").json()["results"]
    serialized = StatusSerializer(status_list(), many=True).data
    assert rows == json.loads(json.dumps(serialized))
    assert [list(row) for row in rows] == [list(row) for row in serialized]
    assert {row["provider"] for row in rows} == {territory.kiel.ars, None}


def test_status_list_cache_is_fresh_after_a_commit(api, territory, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        status = RolloutStatusFactory(verwaltung=territory.foehr)
    assert api.get("/api/v1/ozg/status/").json()["count"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        RolloutStatusFactory(verwaltung=territory.husum)
        RolloutStatus.objects.filter(pk=status.pk).update(version=7)
    body = api.get("/api/v1/ozg/status/").json()
    assert body["count"] == 2
    assert {row["version"] for row in body["results"]} == {7, 1}


def test_token_reads_the_database_never_the_cached_page(api, territory, token_for):
    """A Kommune reads `version` before her PATCH: her list is never the cached anonymous page. Here a change
    whose commit the test's transaction never reaches (so the cached page stays) shows to her at once."""
    status = RolloutStatusFactory(verwaltung=territory.foehr)
    client = token_for(territory.foehr, scope="read")
    assert api.get("/api/v1/ozg/status/").json()["results"][0]["version"] == 1
    RolloutStatus.objects.filter(pk=status.pk).update(version=5)
    assert api.get("/api/v1/ozg/status/").json()["results"][0]["version"] == 1  # the cached anonymous page
    assert client.get("/api/v1/ozg/status/").json()["results"][0]["version"] == 5


@pytest.mark.parametrize(
    "query",
    [
        {"utm_source": "x"},  # unknown: not keyed, not cached
        {"page_size": "1000"},  # larger than a cached page
        {"page_size": "0100"},  # not in canonical form
        {"stage": ["online", "geplant"]},  # repeated
    ],
)
def test_status_list_junk_parameters_create_no_entry(api, territory, query):
    from ozg_monitoring.api import views

    RolloutStatusFactory(verwaltung=territory.foehr)
    before = views.LISTS.take  # every stored page draws on the budget: count the draws
    draws = []
    views.LISTS.take = lambda: draws.append(1) or True
    try:
        assert api.get("/api/v1/ozg/status/", query).status_code == 200
        assert draws == []
        assert api.get("/api/v1/ozg/status/", {"page_size": "100"}).status_code == 200
        assert draws == [1]
    finally:
        views.LISTS.take = before


def test_writes_need_authentication(api, territory):
    status = RolloutStatusFactory(verwaltung=territory.foehr)
    assert api.patch(f"/api/v1/ozg/status/{status.pk}/", {"stage": "in_umsetzung"}).status_code in (401, 403)
    status.refresh_from_db()
    assert status.stage == "geplant"


def test_token_may_change_own_verwaltung_only(territory, token_for):
    own = RolloutStatusFactory(verwaltung=territory.foehr)
    foreign = RolloutStatusFactory(verwaltung=territory.husum)
    client = token_for(territory.foehr)
    response = client.patch(f"/api/v1/ozg/status/{own.pk}/", {"stage": "in_umsetzung", "version": 1}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2 and response["ETag"] == f'"{own.pk}-2"'
    event = StatusEvent.objects.get(status=own)
    assert event.channel == "api" and event.changed_by == client.user
    response = client.patch(f"/api/v1/ozg/status/{foreign.pk}/", {"stage": "in_umsetzung"}, format="json")
    assert response.status_code == 403
    foreign.refresh_from_db()
    assert (foreign.stage, foreign.version) == ("geplant", 1)
    assert not StatusEvent.objects.filter(status=foreign).exists()


def test_read_only_token_cannot_write(territory, token_for):
    status = RolloutStatusFactory(verwaltung=territory.foehr)
    client = token_for(territory.foehr, scope="read")
    assert client.patch(f"/api/v1/ozg/status/{status.pk}/", {"stage": "in_umsetzung"}, format="json").status_code == 403


def test_stale_version_409_and_stale_etag_412_change_nothing(territory, token_for):
    status = RolloutStatusFactory(verwaltung=territory.foehr, version=3)
    client = token_for(territory.foehr)
    url = f"/api/v1/ozg/status/{status.pk}/"
    response = client.patch(url, {"stage": "in_umsetzung", "version": 2}, format="json")
    assert response.status_code == 409 and response.json()["current_version"] == 3
    response = client.patch(url, {"stage": "in_umsetzung"}, format="json", HTTP_IF_MATCH=f'"{status.pk}-2"')
    assert response.status_code == 412
    status.refresh_from_db()
    assert (status.stage, status.version) == ("geplant", 3)
    etag = client.get(url)["ETag"]
    response = client.patch(url, {"stage": "in_umsetzung"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200 and response.json()["version"] == 4


PRECONDITION_REQUIRED = (
    "Bitte die aktuelle Version mitsenden (Feld „version“ oder Kopfzeile If-Match), damit keine Änderung verloren geht."
)


def test_patch_without_version_or_if_match_is_428_and_changes_nothing(territory, token_for):
    status = RolloutStatusFactory(verwaltung=territory.foehr, version=3)
    client = token_for(territory.foehr)
    url = f"/api/v1/ozg/status/{status.pk}/"
    for headers in ({}, {"HTTP_IF_MATCH": ""}):
        response = client.patch(url, {"stage": "in_umsetzung"}, format="json", **headers)
        assert response.status_code == 428
        assert response.json() == {"detail": PRECONDITION_REQUIRED}
    status.refresh_from_db()
    assert (status.stage, status.version) == ("geplant", 3)
    assert not StatusEvent.objects.exists()
    # `If-Match: *` is a precondition too: the caller overwrites on purpose.
    response = client.patch(url, {"stage": "in_umsetzung"}, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 200 and response.json()["version"] == 4


def test_patch_checks_permission_then_body_then_precondition(territory, token_for):
    own = RolloutStatusFactory(verwaltung=territory.foehr)
    foreign = RolloutStatusFactory(verwaltung=territory.husum)
    client = token_for(territory.foehr)
    change = {"stage": "in_umsetzung"}  # no version: a refusal comes first
    assert client.patch(f"/api/v1/ozg/status/{foreign.pk}/", change, format="json").status_code == 403
    assert APIClient().patch(f"/api/v1/ozg/status/{own.pk}/", change, format="json").status_code == 401
    response = client.patch(f"/api/v1/ozg/status/{own.pk}/", {"stage": "unbekannt"}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"stage"}
    assert StatusEvent.objects.count() == 0


def test_openapi_documents_the_precondition_and_the_bulk_conflict(api):
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    patch = schema["paths"]["/api/v1/ozg/status/{id}/"]["patch"]
    assert {"409", "412", "428"} <= set(patch["responses"])
    assert patch["responses"]["428"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "If-Match" in [parameter["name"] for parameter in patch["parameters"]]
    assert "428" in patch["description"]
    bulk = schema["paths"]["/api/v1/ozg/status/bulk/"]["post"]
    assert "409" in bulk["responses"] and "ohne `version` überschreibt" in bulk["description"]


def test_bulk_item_with_stale_version_is_409_and_without_version_overwrites(territory, token_for):
    status = RolloutStatusFactory(verwaltung=territory.foehr, version=3)
    new = OzgLeistungFactory()
    client = token_for(territory.foehr)
    item = {"ozg_id": status.leistung.ozg_id, "ars": territory.foehr.ars, "stage": "in_umsetzung"}
    fresh = {"ozg_id": new.ozg_id, "ars": territory.foehr.ars, "stage": "geplant", "version": 0}
    response = client.post("/api/v1/ozg/status/bulk/", {"items": [fresh, {**item, "version": 2}]}, format="json")
    assert response.status_code == 409
    assert [(error["index"], set(error["errors"])) for error in response.json()["errors"]] == [(1, {"version"})]
    assert RolloutStatus.objects.count() == 1 and not StatusEvent.objects.exists()
    # A stale version beside another error: the whole request is bad input (400), not a conflict.
    broken = {**fresh, "stage": "fertig"}
    response = client.post("/api/v1/ozg/status/bulk/", {"items": [broken, {**item, "version": 2}]}, format="json")
    assert response.status_code == 400
    response = client.post("/api/v1/ozg/status/bulk/", {"items": [fresh, {**item, "version": 3}]}, format="json")
    assert response.json() == {"created": 1, "updated": 1, "unchanged": 0}
    response = client.post("/api/v1/ozg/status/bulk/", {"items": [{**item, "note": "ohne Version"}]}, format="json")
    assert response.json() == {"created": 0, "updated": 1, "unchanged": 0}
    status.refresh_from_db()
    assert (status.stage, status.note, status.version) == ("in_umsetzung", "ohne Version", 5)


def test_rule_violation_is_400_with_field_messages(territory, token_for):
    status = RolloutStatusFactory(verwaltung=territory.foehr)
    client = token_for(territory.foehr)
    response = client.patch(
        f"/api/v1/ozg/status/{status.pk}/", {"stage": "online", "maturity_level": 1, "version": 1}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"url", "maturity_level"}


def test_bulk_upsert_all_or_nothing_and_scoped(territory, token_for):
    leistungen = OzgLeistungFactory.create_batch(3)
    client = token_for(territory.foehr)
    items = [{"ozg_id": leistung.ozg_id, "ars": territory.foehr.ars, "stage": "geplant"} for leistung in leistungen]
    bad = [*items[:2], {**items[2], "stage": "online"}]
    response = client.post("/api/v1/ozg/status/bulk/", {"items": bad}, format="json")
    assert response.status_code == 400
    assert [error["index"] for error in response.json()["errors"]] == [2]
    assert not RolloutStatus.objects.exists()
    foreign = [*items[:2], {**items[2], "ars": territory.husum.ars}]
    assert client.post("/api/v1/ozg/status/bulk/", {"items": foreign}, format="json").status_code == 403
    assert not RolloutStatus.objects.exists()
    response = client.post("/api/v1/ozg/status/bulk/", {"items": items}, format="json")
    assert response.status_code == 200 and response.json() == {"created": 3, "updated": 0, "unchanged": 0}
    response = client.post("/api/v1/ozg/status/bulk/", {"items": items}, format="json")
    assert response.json() == {"created": 0, "updated": 0, "unchanged": 3}


def test_history_endpoints(api, territory):
    from ozg_monitoring.services import rollout_status_update

    leistung = OzgLeistungFactory()
    status = rollout_status_update(
        leistung=leistung, verwaltung=territory.foehr, changes={"stage": "geplant"}, by=system_actor()
    )
    rollout_status_update(status=status, changes={"stage": "in_umsetzung"}, by=system_actor())
    rollout_status_update(
        leistung=leistung, verwaltung=territory.husum, changes={"stage": "geplant"}, by=system_actor()
    )
    assert api.get(f"/api/v1/ozg/status/{status.pk}/history/").json()["count"] == 2
    assert api.get("/api/v1/ozg/history/", {"ars": territory.husum.ars}).json()["count"] == 1
    assert api.get("/api/v1/ozg/history/", {"ars_prefix": "01054"}).json()["count"] == 3
    assert api.get(f"/api/v1/ozg/leistungen/{leistung.ozg_id}/history/").json()["count"] == 3


def test_coverage_and_citizen_lookup(api, territory):
    amt_level = OzgLeistungFactory(level=ExecutingLevel.AMT_GEMEINDE, name="Hundesteuer")
    kreis_level = OzgLeistungFactory(level=ExecutingLevel.KREIS, name="Wohngeld")
    OnlineStatusFactory(leistung=amt_level, verwaltung=territory.foehr, url="https://foehr.example/hund")
    OnlineStatusFactory(leistung=kreis_level, verwaltung=territory.nf, url="https://nf.example/wohngeld")
    body = api.get("/api/v1/ozg/coverage/").json()
    by_id = {row["ozg_id"]: row for row in body["results"]}
    assert by_id[kreis_level.ozg_id]["coverage"] == "kreisweit"
    assert by_id[kreis_level.ozg_id]["kreise"] == [{"kreis": "01054", "name": "Nordfriesland"}]
    body = api.get(f"/api/v1/ozg/gemeinden/{territory.alkersum.ars}/leistungen/").json()
    rows = {row["name"]: row for row in body["results"]}
    assert rows["Hundesteuer"]["zustaendig_ars"] == "010545488000" and rows["Hundesteuer"]["online"]
    assert (
        rows["Wohngeld"]["zustaendig_ars"] == "010540000000"
        and rows["Wohngeld"]["url"] == "https://nf.example/wohngeld"
    )
    assert api.get(f"/api/v1/ozg/gemeinden/{territory.alkersum.ars}/leistungen/", {"q": "wohn"}).json()["count"] == 1
    assert api.get("/api/v1/ozg/gemeinden/019999999999/leistungen/").status_code == 404


def test_federal_export_json_and_csv(api, territory):
    """The export in the federal format (federal/export.py; its full tests: tests/federal/test_export.py)."""
    leistung = OzgLeistungFactory(level=ExecutingLevel.KREIS, name="Wohngeld")
    LeikaLeistungFactory(ozg_leistung=leistung, key="99000000000001")
    LeikaLeistungFactory(ozg_leistung=leistung, key="99000000000002")
    OnlineStatusFactory(leistung=leistung, verwaltung=territory.nf, url="https://nf.example/wohngeld")
    RolloutStatusFactory(leistung=leistung, verwaltung=territory.kiel)  # no URL: not exported
    body = api.get("/api/v1/bund/v1/data/").json()
    assert body["totalElements"] == 2 and len(body["content"]) == 2  # records, counted as records
    record = body["content"][0]
    assert record["ars"] == "010540000000" and record["ozgid"] == leistung.ozg_id
    assert record["online_status"] == "ok" and record["art_flaechendeckung"] == "kreisweit flächendeckend"
    assert record["leika_key"] == "99000000000001"
    response = api.get("/api/v1/bund/v1/data/010000000000/", {"filetype": "csv"})
    lines = response.content.decode().splitlines()
    assert response["Content-Type"].startswith("text/csv")
    assert lines[0].startswith("leika_key,leika_name") and len(lines) == 3
    assert api.get("/api/v1/ozg/export/dashboard/", {"filetype": "csv"}).status_code == 301  # the old address


def test_federal_import_stores_a_record_set_and_writes_no_status(territory, token_for):
    """The federal import is a door to the federal parser (federal/api): a record set, never a status; adoption is
    the explicit second step (tests/federal/test_reconciliation.py). Kommune tokens may not import."""
    from federal.models import FederalRecordSet
    from tests.accounts.factories import issue_token, role_user

    leistung = OzgLeistungFactory()
    record = {
        "ars": territory.alkersum.ars,
        "ozgid": leistung.ozg_id,
        "url": "https://foehr.example/x",
        "online_status": "ok",
    }
    response = token_for(territory.foehr).post("/api/v1/ozg/import/dashboard/", {"content": [record]}, format="json")
    assert response.status_code == 403
    _token, key = issue_token(role_user("Monitoring"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.post("/api/v1/ozg/import/dashboard/", {"content": [record]}, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["kept"], FederalRecordSet.objects.get().kind) == (1, "file")
    csv_body = f"ars,ozgid,url,online_status\n{territory.husum.ars},{leistung.ozg_id},https://h.example,ok\n"
    response = client.post("/api/v1/ozg/import/dashboard/", csv_body, content_type="text/csv")
    assert response.status_code == 201 and response.json()["kept"] == 1
    assert not RolloutStatus.objects.exists() and not StatusEvent.objects.exists()


def test_status_list_schema_describes_the_rows(api, territory):
    """The schema of the list is still StatusSerializer's (a page of `Status`), and its properties are exactly the
    keys of the rows the lean list answers with."""
    RolloutStatusFactory(verwaltung=territory.foehr)
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/ozg/status/"]["get"]
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert page["properties"]["results"]["items"] == {"$ref": "#/components/schemas/Status"}
    (row,) = api.get("/api/v1/ozg/status/").json()["results"]
    assert list(schema["components"]["schemas"]["Status"]["properties"]) == list(row)


def test_cached_status_list_answers_as_drf_renders_it(api, territory, token_for):
    """A cached page is stored rendered: the same bytes and type as DRF's own answer (the token client's, never
    cached), and the browsable API or an indented JSON stays DRF's."""
    RolloutStatusFactory(verwaltung=territory.foehr, note="Straße")
    first, cached = api.get("/api/v1/ozg/status/"), api.get("/api/v1/ozg/status/")
    own = token_for(territory.foehr, scope="read").get("/api/v1/ozg/status/")
    assert cached.content == first.content == own.content
    assert cached["Content-Type"] == own["Content-Type"] == "application/json"
    drf = api.get("/api/v1/ozg/status/", HTTP_ACCEPT="application/json; indent=4")
    assert drf.json() == cached.json() and drf.content != cached.content
    assert b"<html" in api.get("/api/v1/ozg/status/", HTTP_ACCEPT="text/html").content
