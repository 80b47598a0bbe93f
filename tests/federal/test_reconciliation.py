"""The reconciliation of our statuses with a federal record set: a planted case per classification and reason, the
executing level deciding the Verwaltung, the combination of several records, adoption and explanation (services,
API, admin), the public dashboard's line, the cache, the query count; and end to end from the fake federal server."""

import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.services import membership_grant
from audit.models import AuditEntry
from common.authorization import system_actor
from common.provenance import SourceKind
from federal.models import FederalRecordSet, ReconciliationNote
from federal.reconciliation import compute, normalize_url, reconciliation, summary
from federal.services import federal_adopt, federal_sync, reconciliation_explain
from ozg_monitoring.models import ExecutingLevel, OzgLeistung, RolloutStatus, StatusEvent
from tests.accounts.factories import issue_token, kommune_user, role_user
from tests.ozg_monitoring.factories import (
    LeikaLeistungFactory,
    OnlineStatusFactory,
    OzgLeistungFactory,
    RolloutStatusFactory,
)

from .fake_dashboard import FakeDashboard, dv

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_static_storage")]

URL = "/api/v1/ozg/reconciliation/"
MANUAL = OzgLeistung.LevelSource.MANUAL


class World:
    pass


def _store(records, *, by=None):
    """A completed record set of kind file with `records` (through the parser and the record rule)."""
    content = json.dumps({"content": records}).encode()
    return federal_sync(by=by or system_actor(), blobs=[("bund.json", content)])


@pytest.fixture
def world(territory):
    t, w = territory, World()
    w.t = t
    amt = {"level": ExecutingLevel.AMT_GEMEINDE, "level_source": MANUAL}
    w.amt = OzgLeistungFactory(ozg_id=30001, name="Amtsleistung", **amt)
    w.kreis = OzgLeistungFactory(ozg_id=30002, name="Kreisleistung", level=ExecutingLevel.KREIS, level_source=MANUAL)
    w.land = OzgLeistungFactory(ozg_id=30003, name="Landesleistung", level=ExecutingLevel.LAND, level_source=MANUAL)
    w.unknown = OzgLeistungFactory(ozg_id=30004, name="Ohne Ebene", level=ExecutingLevel.UNCLASSIFIED)
    w.url = OzgLeistungFactory(ozg_id=30005, name="Adressleistung", **amt)
    w.leika_a = LeikaLeistungFactory(key="99000000030001", ozg_leistung=w.amt)
    w.leika_b = LeikaLeistungFactory(key="99000000030002", ozg_leistung=w.amt)
    # ours
    OnlineStatusFactory(leistung=w.amt, verwaltung=t.foehr, url="https://foehr.example/amt")
    OnlineStatusFactory(leistung=w.kreis, verwaltung=t.nf, url="https://nf.example/kreis")
    w.husum_url = OnlineStatusFactory(
        leistung=w.url, verwaltung=t.husum, url="https://husum.example/alt", maturity_level=2
    )
    OnlineStatusFactory(leistung=w.amt, verwaltung=t.kiel, url="https://kiel.example/amt")
    OnlineStatusFactory(leistung=w.url, verwaltung=t.foehr, url="https://foehr.example/url")
    w.kiel_kreis = RolloutStatusFactory(leistung=w.kreis, verwaltung=t.kiel, stage="in_umsetzung", maturity_level=2)
    RolloutStatusFactory(leistung=w.amt, verwaltung=t.husum, stage="geplant")
    RolloutStatusFactory(leistung=w.unknown, verwaltung=t.husum, stage="geplant")
    # the Bund's
    w.records = [
        # a Gemeinde's record of an Amt-level Leistung: counts for her Amt (case and "/" of the address do not matter)
        dv(t.alkersum.ars, 30001, leika_key=w.leika_a.key, url="HTTPS://Foehr.EXAMPLE/amt/"),
        # a second LeiKa record of the same pair, "nicht ok" with another address: the pair stays "ok" with the first
        dv(t.foehr.ars, 30001, leika_key=w.leika_b.key, online_status="nicht ok", url="https://kaputt.example/"),
        # a Gemeinde's record of a Kreis-level Leistung: counts for her Kreis
        dv(t.alkersum.ars, 30002, leika_key=None, url="https://nf.example/kreis"),
        dv(t.husum.ars, 30005, leika_key=None, url="https://husum.example/neu"),  # URL differs
        dv(t.kiel.ars, 30001, leika_key=None, online_status="nicht ok"),  # Bund "nicht ok", online with us
        dv(t.foehr.ars, 30005, leika_key=None, aktiv="nein", url="https://foehr.example/url"),  # aktiv: nein
        dv(t.kiel.ars, 30002, leika_key=None, url="https://kiel.example/kreis"),  # online at the Bund, not with us
        dv(t.land.ars, 30003, leika_key=None, url="https://land.example/"),  # only at the Bund
        dv(t.alkersum.ars, 30004, leika_key=None),  # level unknown: counts for the record's own Verwaltung (Föhr)
        dv(t.husum.ars, 30004, leika_key=None, online_status="nicht ok"),  # neither online: gleich
        dv(t.foehr.ars, 99999, leika_key=None),  # OZG-ID unknown: not resolvable
        dv("010019999999", 30001, leika_key=None),  # ARS unknown: not resolvable
    ]
    w.record_set = _store(w.records)
    return w


def _rows(result):
    return {(row.ars, row.ozg_id): row for row in result.rows}


EXPECTED = {
    # (ARS, OZG-ID): (classification, reasons)
    ("010545488000", 30001): ("gleich", ()),
    ("010540000000", 30002): ("gleich", ()),
    ("010540058058", 30005): ("abweichend", ("url_abweichend",)),
    ("010020000000", 30001): ("abweichend", ("bund_nicht_ok",)),
    ("010545488000", 30005): ("abweichend", ("bund_aktiv_nein",)),
    ("010020000000", 30002): ("abweichend", ("stand_abweichend",)),
    ("010540058058", 30001): ("nur_bei_uns", ("kein_bundeseintrag",)),
    ("010000000000", 30003): ("nur_beim_bund", ("kein_stand",)),
    ("010545488000", 30004): ("nur_beim_bund", ("kein_stand", "ebene_unbekannt")),
    ("010540058058", 30004): ("gleich", ("ebene_unbekannt",)),
    ("010545488000", 99999): ("nur_beim_bund", ("nicht_zuordenbar",)),
    ("010019999999", 30001): ("nur_beim_bund", ("nicht_zuordenbar",)),
}


def test_every_planted_case_is_classified_with_its_reasons(world):
    t = world.t
    assert (t.husum.ars, t.kiel.ars, t.land.ars) == ("010540058058", "010020000000", "010000000000")
    result = reconciliation()
    found = {key: (row.classification, row.reasons) for key, row in _rows(result).items()}
    assert found == EXPECTED
    assert result.counts["klassen"] == {"gleich": 3, "nur_bei_uns": 1, "nur_beim_bund": 4, "abweichend": 4}
    assert result.counts["gesamt"] == 12
    rows = _rows(result)
    combined = rows[(t.foehr.ars, 30001)]
    assert len(combined.federal_records) == 2 and combined.federal_state == "teilweise ok"
    assert combined.federal_url == "HTTPS://Foehr.EXAMPLE/amt/"  # never the address of the "nicht ok" record
    assert rows[(t.nf.ars, 30002)].federal_records and (t.foehr.ars, 30002) not in rows  # the Kreis, not the Amt
    assert not any(row.ars == t.alkersum.ars for row in result.rows)  # a Gemeinde holds no pair
    assert rows[(t.foehr.ars, 30005)].federal_state == "ok, aktiv: nein"


def test_no_reifegrad_is_read_from_ok_and_unknown_level_rule(world):
    rows = _rows(reconciliation())
    land = rows[(world.t.land.ars, 30003)]
    assert land.maturity_level is None and land.status_id is None and land.federal_online is True


def test_url_comparison_ignores_only_case_of_host_default_port_and_final_slash():
    assert normalize_url("HTTPS://Example.ORG:443/Pfad/") == "https://example.org/Pfad"
    assert normalize_url("https://example.org/a?x=1") != normalize_url("https://example.org/a?x=2")
    assert normalize_url("http://example.org:8080/") == "http://example.org:8080"


def test_only_the_area_a_set_asked_for_is_compared(world, territory):
    """A set fetched for Nordfriesland does not call Kiel's statuses "nur bei uns"."""
    record_set = FederalRecordSet.objects.create(
        kind="api", source="x", requested_ars=["010540000000"], status="done", finished_at=world.record_set.finished_at
    )
    result = compute(record_set)
    assert {row.ars[:5] for row in result.rows} == {"01054"}


def test_the_computation_costs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    with CaptureQueriesContext(connection) as small:
        compute(world.record_set)
    for _index in range(30):
        leistung = OzgLeistungFactory(level=ExecutingLevel.AMT_GEMEINDE, level_source=MANUAL)
        OnlineStatusFactory(leistung=leistung, verwaltung=world.t.foehr)
    record_set = _store([*world.records, *[dv(world.t.alkersum.ars, 20000 + i, leika_key=None) for i in range(200)]])
    with CaptureQueriesContext(connection) as large:
        result = compute(record_set)
    assert len(result.rows) > 40
    assert len(large.captured_queries) == len(small.captured_queries) <= 12


def test_it_is_cached_and_replaced_by_any_write(world, django_assert_num_queries, django_capture_on_commit_callbacks):
    reconciliation()
    with django_assert_num_queries(1):  # the newest set; the result comes from the cache
        reconciliation()
    with django_capture_on_commit_callbacks(execute=True):
        RolloutStatus.objects.filter(pk=world.kiel_kreis.pk).update(stage="online", url="https://kiel.example/kreis")
    row = _rows(reconciliation())[(world.t.kiel.ars, 30002)]
    assert row.classification == "gleich"


# --- adoption ---------------------------------------------------------------------------------------------------


def test_adoption_takes_the_bunds_online_and_address_never_a_reifegrad(world, django_capture_on_commit_callbacks):
    t = world.t
    staff = role_user("Monitoring")
    reconciliation()  # cached: the adoption must replace it
    pairs = [(t.husum.ars, 30005), (t.kiel.ars, 30002), (t.land.ars, 30003), (t.kiel.ars, 30001), (t.foehr.ars, 30001)]
    with django_capture_on_commit_callbacks(execute=True):
        result = federal_adopt(by=staff, pairs=pairs)
    assert (result.adopted, result.updated, result.created) == (2, 2, 0)
    assert result.skipped == {"bund_nicht_online": 1, "reifegrad_fehlt": 1, "schon_gleich": 1}
    husum = RolloutStatus.objects.get(pk=world.husum_url.pk)
    kiel = RolloutStatus.objects.get(pk=world.kiel_kreis.pk)
    assert (husum.stage, husum.url, husum.maturity_level) == ("online", "https://husum.example/neu", 2)
    assert (kiel.stage, kiel.url, kiel.maturity_level) == ("online", "https://kiel.example/kreis", 2)
    assert {husum.source_kind, kiel.source_kind} == {SourceKind.BUND}
    assert StatusEvent.objects.filter(status__in=[husum, kiel], source_kind=SourceKind.BUND).count() == 2
    audited = AuditEntry.objects.filter(
        content_type__model="rolloutstatus", object_id__in=[str(husum.pk), str(kiel.pk)]
    )
    assert audited.filter(action="changed").count() == 2  # besides the two "angelegt" of the fixture
    assert not RolloutStatus.objects.filter(verwaltung=t.land).exists()  # nothing created for "nur beim Bund"
    rows = _rows(reconciliation())  # reflected at once
    assert rows[(t.husum.ars, 30005)].classification == rows[(t.kiel.ars, 30002)].classification == "gleich"
    assert reconciliation().counts["klassen"]["gleich"] == 5


def test_an_unknown_pair_refuses_the_whole_adoption(world):
    from federal.services import PairErrors

    with pytest.raises(PairErrors) as error:
        federal_adopt(by=role_user("Monitoring"), pairs=[(world.t.husum.ars, 30005), (world.t.husum.ars, 30003)])
    assert error.value.items[0]["index"] == 1
    assert RolloutStatus.objects.get(pk=world.husum_url.pk).url == "https://husum.example/alt"


# --- explanation ---------------------------------------------------------------------------------------------


def test_an_explained_difference_shows_as_explained_with_history(world, django_capture_on_commit_callbacks):
    t = world.t
    staff = role_user("Monitoring")
    with django_capture_on_commit_callbacks(execute=True):
        result = reconciliation_explain(by=staff, pairs=[(t.kiel.ars, 30001), (t.foehr.ars, 30001)], note="EfA-Dienst")
    assert (result.created, result.skipped) == (1, 1)  # the agreeing pair has nothing to explain
    assert _rows(reconciliation())[(t.kiel.ars, 30001)].note == "EfA-Dienst"
    with django_capture_on_commit_callbacks(execute=True):
        again = reconciliation_explain(by=staff, pairs=[(t.kiel.ars, 30001)], note="Bund meldet verspätet")
    assert again.updated == 1
    note = ReconciliationNote.objects.get()
    assert note.history.count() == 2 and note.classification == "abweichend" and note.reasons == ["bund_nicht_ok"]
    row = _rows(reconciliation())[(t.kiel.ars, 30001)]
    assert row.explained and row.note == "Bund meldet verspätet" and row.classification == "abweichend"
    assert reconciliation().counts["erklaert"] == 1


def test_explaining_needs_a_note_and_the_right(world):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(ValidationError) as error:
        reconciliation_explain(by=role_user("Monitoring"), pairs=[(world.t.kiel.ars, 30001)], note="  ")
    assert error.value.message_dict == {"note": ["Bitte die Erklärung der Abweichung angeben."]}
    with pytest.raises(PermissionDenied):
        reconciliation_explain(by=role_user("Redaktion"), pairs=[(world.t.kiel.ars, 30001)], note="x")


# --- API -----------------------------------------------------------------------------------------------------------


def _token(user):
    _token, key = issue_token(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _kommune(*verwaltungen):
    user = kommune_user()
    for verwaltung in verwaltungen:
        membership_grant(user=user, organisation=verwaltung, by=system_actor())
    return _token(user)


def test_api_reads_are_for_monitoring_and_staff_only(world):
    assert APIClient().get(URL).status_code in (401, 403)
    assert _kommune(world.t.husum).get(URL).status_code == 403
    assert _token(role_user("Redaktion")).get(URL).status_code == 403
    response = _token(role_user("Monitoring")).get(URL)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 12 and body["record_set"]["id"] == world.record_set.pk
    assert body["counts"]["classifications"] == {"gleich": 3, "nur_bei_uns": 1, "nur_beim_bund": 4, "abweichend": 4}
    kreise = {entry["kreis"]: entry for entry in body["counts"]["kreise"]}
    assert kreise["01054"]["total"] == 8 and kreise["01002"]["abweichend"] == 2 and kreise[""]["nur_beim_bund"] == 1
    themen = {entry["name"]: entry["total"] for entry in body["counts"]["themenfelder"]}
    assert sum(themen.values()) == 12 and themen["nicht zuzuordnen"] == 2


def test_api_filters_and_pages(world):
    client = _token(role_user("Monitoring"))
    t = world.t
    one = client.get(URL, {"ars": t.husum.ars}).json()
    assert {row["ozg_id"] for row in one["results"]} == {30001, 30004, 30005}
    assert client.get(URL, {"ars_prefix": "01002"}).json()["count"] == 2
    by_id = client.get(URL, {"ozg_id": 30002}).json()
    assert [(row["ars"], row["classification"]) for row in by_id["results"]] == [
        (t.kiel.ars, "abweichend"),
        (t.nf.ars, "gleich"),
    ]
    differing = client.get(URL, {"classification": "abweichend", "page_size": 3}).json()
    assert differing["count"] == 4 and len(differing["results"]) == 3 and differing["next"]
    assert differing["counts"]["total"] == 4
    row = client.get(URL, {"ars": t.husum.ars, "ozg_id": 30005}).json()["results"][0]
    assert row["reasons"] == ["url_abweichend"] and row["url"] == "https://husum.example/alt"
    assert row["federal_url"] == "https://husum.example/neu" and row["maturity_level"] == 2
    assert client.get(URL, {"reason": "nicht_zuordenbar"}).json()["count"] == 2


@pytest.mark.parametrize(
    ("params", "field", "text"),
    [
        ({"ars": "123"}, "ars", "12 Ziffern"),
        ({"ars_prefix": "02"}, "ars_prefix", "01"),
        ({"ozg_id": "x"}, "ozg_id", "Zahl"),
        ({"classification": "gleichartig"}, "classification", "nicht erlaubt"),
        ({"export": "xlsx"}, "export", "csv"),
    ],
)
def test_api_answers_400_in_german_for_bad_filters(world, params, field, text):
    response = _token(role_user("Monitoring")).get(URL, params)
    assert response.status_code == 400
    assert field in response.json() and text in " ".join(response.json()[field]), response.json()


def test_api_csv_export(world):
    response = _token(role_user("Monitoring")).get(URL, {"export": "csv", "classification": "abweichend"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    lines = text.strip().split("\r\n")
    assert lines[0].startswith("ars;verwaltung;kreis;ozg_id") and len(lines) == 5
    assert any("Adresse weicht ab" in line for line in lines)


def test_api_before_the_first_sync(territory):
    body = _token(role_user("Monitoring")).get(URL).json()
    assert body["record_set"] is None and body["count"] == 0 and body["results"] == []


def test_api_adopt_only_the_callers_verwaltungen(world):
    t = world.t
    kommune = _kommune(t.husum)
    body = {"items": [{"ars": t.kiel.ars, "ozg_id": 30002}]}
    assert kommune.post(URL + "adopt/", body, format="json").status_code == 403
    assert RolloutStatus.objects.get(pk=world.kiel_kreis.pk).stage == "in_umsetzung"
    response = kommune.post(URL + "adopt/", {"items": [{"ars": t.husum.ars, "ozg_id": 30005}]}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["adopted"] == 1
    assert RolloutStatus.objects.get(pk=world.husum_url.pk).url == "https://husum.example/neu"
    assert StatusEvent.objects.filter(status=world.husum_url).latest("pk").channel == "import"


def test_api_adopt_and_explain_refuse_bad_input_in_german(world):
    client = _token(role_user("Monitoring"))
    bad = client.post(URL + "adopt/", {"items": [{"ars": "01", "ozg_id": "x"}]}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()["errors"][0]["errors"]) == {"ars", "ozg_id"}
    unknown = client.post(URL + "adopt/", {"items": [{"ars": world.t.husum.ars, "ozg_id": 30003}]}, format="json")
    assert unknown.status_code == 400 and "kommen im Abgleich nicht vor" in unknown.json()["detail"]
    no_note = client.post(URL + "explain/", {"items": [{"ars": world.t.kiel.ars, "ozg_id": 30001}]}, format="json")
    assert no_note.status_code == 400 and no_note.json() == {"note": ["Bitte die Erklärung der Abweichung angeben."]}
    ok = client.post(
        URL + "explain/", {"items": [{"ars": world.t.kiel.ars, "ozg_id": 30001}], "note": "EfA"}, format="json"
    )
    assert ok.status_code == 200 and ok.json() == {"created": 1, "updated": 0, "skipped": 0}
    assert _kommune(world.t.kiel).post(URL + "explain/", {"items": [], "note": "x"}, format="json").status_code == 403


def test_the_schema_documents_the_endpoints(world):
    response = _token(role_user("Monitoring")).get("/api/v1/schema/", {"format": "json"})
    paths = response.json()["paths"]
    assert {"/api/v1/ozg/reconciliation/", "/api/v1/ozg/reconciliation/adopt/"} <= set(paths)
    params = {p["name"] for p in paths["/api/v1/ozg/reconciliation/"]["get"]["parameters"]}
    assert {"ars", "ars_prefix", "ozg_id", "classification", "export", "page"} <= params


# --- the import endpoint: a thin door to the parser ------------------------------------------------------------


def test_the_import_endpoint_stores_a_record_set_and_writes_no_status(world):
    client = _token(role_user("Monitoring"))
    before = (RolloutStatus.objects.count(), StatusEvent.objects.count())
    records = [dv(world.t.foehr.ars, 30001, leika_key=None), dv("020000000000", 30001), dv(world.t.kiel.ars, None)]
    response = client.post("/api/v1/ozg/import/dashboard/", {"content": records}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["received"], body["kept"], body["kept_unresolved"], body["skipped"]) == (3, 1, 1, 1)
    assert body["report"]["skipped"] == {"outside_sh": 1}
    assert body["report"]["kept_unresolved"] == {"ozgid_null": 1, "leika_unknown": 1}
    record_set = FederalRecordSet.objects.get(pk=body["record_set"])
    assert record_set.kind == "file" and record_set.records.count() == 2
    assert (RolloutStatus.objects.count(), StatusEvent.objects.count()) == before
    csv_body = f"ars;ozgid;online_status;url\n{world.t.husum.ars};30005;ok;https://h.example\n"
    response = client.post("/api/v1/ozg/import/dashboard/", csv_body, content_type="text/csv")
    assert response.status_code == 201 and response.json()["kept"] == 1
    assert reconciliation().record_set_id == response.json()["record_set"]  # the newest set is compared


def test_the_import_endpoint_refuses_garbage_and_kommunen(world):
    client = _token(role_user("Monitoring"))
    garbage = client.post("/api/v1/ozg/import/dashboard/", "<html>Fehler</html>", content_type="text/html")
    assert garbage.status_code == 400 and "unbrauchbar" in garbage.json()["content"][0]
    empty = client.post("/api/v1/ozg/import/dashboard/", b"", content_type="text/csv")
    assert empty.status_code == 400 and "fehlt" in empty.json()["content"][0]
    kommune = _kommune(world.t.husum)
    assert kommune.post("/api/v1/ozg/import/dashboard/", {"content": []}, format="json").status_code == 403


# --- the public dashboard ---------------------------------------------------------------------------------------


def test_the_dashboard_shows_the_empty_state_then_the_line_and_is_replaced(
    territory, client, django_capture_on_commit_callbacks
):
    page = client.get("/ozg/").content.decode()
    assert "noch kein Abgleich" in page
    with django_capture_on_commit_callbacks(execute=True):
        leistung = OzgLeistungFactory(ozg_id=30001, level=ExecutingLevel.AMT_GEMEINDE, level_source=MANUAL)
        OnlineStatusFactory(leistung=leistung, verwaltung=territory.foehr, url="https://foehr.example/a")
        OnlineStatusFactory(leistung=leistung, verwaltung=territory.husum, url="https://husum.example/a")
    page = client.get("/ozg/").content.decode()
    assert "noch kein Abgleich" in page  # cached page replaced by the status writes, still no set
    with django_capture_on_commit_callbacks(execute=True):  # a new record set replaces the cached page
        record_set = _store([dv(territory.alkersum.ars, 30001, leika_key=None, url="https://foehr.example/a")])
    page = client.get("/ozg/").content.decode()
    as_of = record_set.finished_at.astimezone().strftime("%d.%m.%Y")
    assert f"Abgleich mit dem Bundes-Dashboard: 1 von 2 übereinstimmend, Stand {as_of}" in page
    assert "So zählen wir" in page
    federal_adopt(by=system_actor(), pairs=[(territory.husum.ars, 30001)])  # nur bei uns: nothing to adopt
    summary_now = summary()
    assert (summary_now.equal, summary_now.total) == (1, 2)


# --- admin ---------------------------------------------------------------------------------------------------------


def test_the_admin_lists_filters_counts_adopts_and_explains(
    world, client, verified_login, django_capture_on_commit_callbacks
):
    verified_login(client, role_user("Monitoring"))
    url = reverse("admin:federal_federalrecordset_reconciliation", args=[world.record_set.pk])
    page = client.get(url)
    assert page.status_code == 200 and len(page.context["rows"]) == 12
    assert {label: n for label, n, _chosen in page.context["class_rows"]}["abweichend"] == 4
    in_kiel = client.get(url, {"kreis": "01002"})
    assert {row["ars"] for row in in_kiel.context["rows"]} == {world.t.kiel.ars}
    reasons = client.get(url, {"reason": "url_abweichend"})
    assert [row["ozg_id"] for row in reasons.context["rows"]] == [30005]
    themen = client.get(url, {"themenfeld": world.url.themenfeld.catalogue_id})
    assert {row["ozg_id"] for row in themen.context["rows"]} == {30005}
    adopt = reverse("admin:federal_federalrecordset_reconciliation_adopt", args=[world.record_set.pk])
    confirm = client.post(adopt, {"pair": [f"{world.t.kiel.ars}:30002"], "query": "kreis=01002"})
    assert confirm.status_code == 200 and "Ja, übernehmen" in confirm.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(adopt, {"pair": [f"{world.t.kiel.ars}:30002"], "query": "kreis=01002", "confirm": "1"})
    assert done.status_code == 302 and done["Location"].endswith("?kreis=01002")
    kiel = RolloutStatus.objects.get(pk=world.kiel_kreis.pk)
    assert (kiel.stage, kiel.url, kiel.maturity_level) == ("online", "https://kiel.example/kreis", 2)
    assert AuditEntry.objects.filter(object_id=str(kiel.pk), door="admin").exists()
    explain = reverse("admin:federal_federalrecordset_reconciliation_explain", args=[world.record_set.pk])
    refused = client.post(explain, {"alle": "1", "query": "classification=abweichend", "confirm": "1", "note": ""})
    assert refused.status_code == 200 and "Bitte die Erklärung" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(explain, {"alle": "1", "query": "classification=abweichend", "confirm": "1", "note": "geprüft"})
    assert ReconciliationNote.objects.count() == 3  # the three remaining differences
    listed = client.get(url, {"explained": "true"})
    assert len(listed.context["rows"]) == 3 and "geprüft" in listed.content.decode()


def test_kommune_staff_do_not_reach_the_admin_reconciliation(world, client, verified_login):
    user = role_user("Kommune")
    membership_grant(user=user, organisation=world.t.husum, by=system_actor())
    verified_login(client, user)
    url = reverse("admin:federal_federalrecordset_reconciliation", args=[world.record_set.pk])
    assert client.get(url).status_code == 403


# --- end to end ----------------------------------------------------------------------------------------------------


def test_end_to_end_from_the_fake_server_to_adoption(settings, world, django_capture_on_commit_callbacks):
    """The fake federal server → sync_federal_dashboard → reconciliation → adopt → gleich."""
    t = world.t
    records = [*world.records, dv("020000000000", 30001), dv(t.kiel.ars, "abc")]  # another Land, a bad OZG-ID
    reconciliation()  # of the file set: the sync's set must replace it
    with (
        FakeDashboard(by_ars={"010000000000": records}, formats={"010000000000": "json"}) as server,
        django_capture_on_commit_callbacks(execute=True),
    ):
        settings.FEDERAL_DASHBOARD_URL = server.url("/api/")
        call_command("sync_federal_dashboard", "--size", "5", stdout=open("/dev/null", "w"))  # noqa: SIM115
    synced = FederalRecordSet.objects.filter(kind="api").get()
    assert (synced.received, synced.kept + synced.kept_unresolved, synced.skipped) == (14, 13, 1)
    result = reconciliation()
    assert result.record_set_id == synced.pk
    assert result.counts["klassen"] == {"gleich": 3, "nur_bei_uns": 1, "nur_beim_bund": 5, "abweichend": 4}
    differing = [(row.ars, row.ozg_id) for row in result.rows if row.classification == "abweichend"]
    with django_capture_on_commit_callbacks(execute=True):
        adopted = federal_adopt(by=role_user("Monitoring"), pairs=differing)
    assert adopted.adopted == 2 and adopted.skipped == {"bund_nicht_online": 2}
    after = reconciliation()
    assert after.counts["klassen"] == {"gleich": 5, "nur_bei_uns": 1, "nur_beim_bund": 5, "abweichend": 2}
    assert {(row.ars, row.ozg_id) for row in after.rows if row.classification == "abweichend"} == {
        (t.kiel.ars, 30001),
        (t.foehr.ars, 30005),
    }


def test_a_zustaendigkeit_exception_decides_where_a_record_counts(world):
    """With Zuständigkeit rows the whole resolver decides: in Nordfriesland the Kreis handles the Amt-level
    Leistung (an exception), so Alkersum's record counts for the Kreis, not for her Amt."""
    import datetime

    from ozg_monitoring.models import ZustaendigkeitAusnahme

    t = world.t
    sourced = {"basis": "§ 1", "source_title": "Satzung", "checked_on": datetime.date(2026, 12, 1)}
    ZustaendigkeitAusnahme.objects.create(leistung=world.url, area=t.nf, level="kreis", handled_by=t.nf, **sourced)
    record_set = _store([dv(t.alkersum.ars, 30005, leika_key=None, url="https://nf.example/x")])
    rows = _rows(compute(record_set))
    assert rows[(t.nf.ars, 30005)].classification == "nur_beim_bund"
    assert rows[(t.nf.ars, 30005)].reasons == ("kein_stand",)  # the level is known
    assert rows[(t.foehr.ars, 30005)].classification == "nur_bei_uns"  # Föhr's own status has no record now
