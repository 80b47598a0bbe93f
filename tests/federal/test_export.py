"""Our export in the federal format (/api/v1/bund/v1/…, federal/export.py): every answer validated against the
spec (data/ozg/digitale-verwaltung-api.openapi.yaml, with openapi-core) and against our own OpenAPI schema, plus
the rules the spec cannot express (counts over all pages, first/last/empty, sort order, includeAbove/includeBelow
per kind of body, the size maximum, CSV and XLSX with the same rows).

The territory (tests/ozg_monitoring/conftest.py): Land; Kreis Nordfriesland with Amt Föhr-Amrum (its Gemeinde
Alkersum) and the amtsfreie Stadt Husum; the kreisfreie Stadt Kiel. The planted statuses give ten records:

| Leistung (level, LeiKa keys) | status | records |
|---|---|---|
| Hundesteuer (Amt/Gemeinde, 2) | Föhr-Amrum online; Husum geplant, with address; Kiel online, check failed | 2+2+2 |
| Wohngeld (Kreis, 1) | Nordfriesland online (the Bund: bundesweit, aktiv ja); Kiel geplant without address | 1 |
| Landesleistung (Land, 3) | Land online | 3 |
| Ohne LeiKa (Amt/Gemeinde, none in the LeiKa) | Föhr-Amrum online | 0 |
"""

import io
import itertools
import json
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
import yaml
from django.conf import settings
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from openapi_core import OpenAPI
from openapi_core.configurations import Config
from openapi_core.testing import MockRequest, MockResponse
from openapi_core.validation.request.validators import V30RequestParametersValidator
from rest_framework.test import APIClient

from common.messages import message
from federal import export
from federal.models import FederalRecord, FederalRecordSet
from federal.parser import parse_payload
from ozg_monitoring.models import ExecutingLevel, LinkCheck, Stage
from tests.ozg_monitoring.factories import (
    LeikaLeistungFactory,
    OnlineStatusFactory,
    OzgLeistungFactory,
    RolloutStatusFactory,
)

SPEC_PATH = Path(settings.BASE_DIR) / "data" / "ozg" / "digitale-verwaltung-api.openapi.yaml"
SPEC_HOST = "https://digitale-verwaltung.api.proxy.bund.dev"
BASE = "/api/v1/bund/v1"


@pytest.fixture(scope="module")
def spec():
    """The spec as published, with one reading made explicit: `aktiv` is `nullable: true` with `enum: [ja, nein]`.
    OpenAPI 3.0.3 (and openapi-core) admit null for such a field only if the enum lists it; the spec's generator
    (springdoc) means "ja, nein or null" (the description and the Bund's own answers), so null joins the enum.
    Nothing else is changed; a test below checks that this is the only nullable enum."""
    document = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    document["components"]["schemas"]["DvDataDto"]["properties"]["aktiv"]["enum"].append(None)
    return OpenAPI.from_dict(document)


def test_aktiv_is_the_only_nullable_enum_of_the_spec():
    properties = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))["components"]["schemas"]["DvDataDto"]
    nullable_enums = [name for name, p in properties["properties"].items() if p.get("nullable") and "enum" in p]
    assert nullable_enums == ["aktiv"]


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture(scope="module")
def ours():
    """Our own OpenAPI schema as drf-spectacular generates it for /api/v1/schema/ (requests: parameters only; a
    read needs no token). Module-wide: generating it takes longer than the requests it checks."""
    schema = json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))
    return OpenAPI.from_dict(schema, config=Config(request_validator_cls=V30RequestParametersValidator))


def test_our_schema_is_the_one_served(api, ours, db):
    served = json.loads(api.get("/api/v1/schema/", {"format": "json"}).content)
    assert served["paths"][f"{BASE}/data/{{ars}}/"] == ours.spec.contents()["paths"][f"{BASE}/data/{{ars}}/"]
    assert served["components"]["schemas"]["PageDvDataDto"]["properties"]["content"]["items"] == {
        "$ref": "#/components/schemas/DvDataDto"
    }


@pytest.fixture
def planted(territory):
    t = territory
    hund = OzgLeistungFactory(ozg_id=10160, name="Hundesteuer", level=ExecutingLevel.AMT_GEMEINDE)
    hund_keys = [LeikaLeistungFactory(ozg_leistung=hund, key=f"9910201300{n}000", name=f"Hund {n}") for n in (2, 1)]
    wohngeld = OzgLeistungFactory(ozg_id=10200, name="Wohngeld", level=ExecutingLevel.KREIS)
    LeikaLeistungFactory(ozg_leistung=wohngeld, key="99107001000000", name="Wohngeld Bewilligung")
    land = OzgLeistungFactory(ozg_id=10300, name="Landesleistung", level=ExecutingLevel.LAND)
    for n in range(3):
        LeikaLeistungFactory(ozg_leistung=land, key=f"9930000000000{n}", name=f"Land {n}")
    ohne = OzgLeistungFactory(ozg_id=10400, name="Ohne LeiKa")
    LeikaLeistungFactory(ozg_leistung=ohne, key=None, in_leika=False, name="nicht im LeiKa")

    foehr = OnlineStatusFactory(leistung=hund, verwaltung=t.foehr, url="https://foehr.example/hund")
    LinkCheck.objects.create(status=foehr, url="https://alt.example/hund", ok=False)  # an older address: ignored
    RolloutStatusFactory(leistung=hund, verwaltung=t.husum, url="https://husum.example/hund")
    kiel = OnlineStatusFactory(leistung=hund, verwaltung=t.kiel, url="https://kiel.example/hund", is_demo=True)
    LinkCheck.objects.create(status=kiel, url=kiel.url, ok=True)
    LinkCheck.objects.create(status=kiel, url=kiel.url, ok=False, http_status=404)  # the last check: not reached
    OnlineStatusFactory(leistung=wohngeld, verwaltung=t.nf, url="https://nf.example/wohngeld")
    RolloutStatusFactory(leistung=wohngeld, verwaltung=t.kiel, stage=Stage.GEPLANT)  # no address: no record
    OnlineStatusFactory(leistung=land, verwaltung=t.land, url="=HYPERLINK(1)")  # a formula in a text cell
    OnlineStatusFactory(leistung=ohne, verwaltung=t.foehr)  # no LeiKa key: no record

    older = _record_set(minutes=60)
    FederalRecord.objects.create(
        record_set=older, position=1, rule="kept", ozgid=10160, aktiv="ja", art_flaechendeckung=export.BUNDESWEIT
    )
    newest = _record_set(minutes=1)
    for position, (ozgid, aktiv, coverage) in enumerate(
        [
            (10200, "ja", export.BUNDESWEIT),
            (10200, "ja", "landesweit flächendeckend"),
            (10160, "ja", "kreisweit flächendeckend"),
            (10160, "nein", "kreisweit flächendeckend"),  # the Bund disagrees with itself: aktiv unknown
        ],
        start=1,
    ):
        FederalRecord.objects.create(
            record_set=newest, position=position, rule="kept", ozgid=ozgid, aktiv=aktiv, art_flaechendeckung=coverage
        )
    running = FederalRecordSet.objects.create(kind="api", source="x")  # not completed: not read
    FederalRecord.objects.create(record_set=running, position=1, rule="kept", ozgid=10300, aktiv="nein")
    per_ars = {t.land.ars: 3, t.nf.ars: 1, t.foehr.ars: 2, t.husum.ars: 2, t.kiel.ars: 2}
    return SimpleNamespace(t=t, per_ars=per_ars, total=10, hund_keys=hund_keys)


def _record_set(*, minutes: int) -> FederalRecordSet:
    at = timezone.now() - timezone.timedelta(minutes=minutes)
    return FederalRecordSet.objects.create(kind="api", source="x", status="done", started_at=at, finished_at=at)


# --- validation helpers -------------------------------------------------------------------------------------

VALIDATED = {"spec": 0, "ours": 0}


def _get(api, path, params=None, **headers):
    return api.get(path, params or {}, **headers)


def validate_spec(spec, spec_path: str, params: dict, response):
    """The answer as if the federal server had given it for `spec_path` (/v1/data, /v1/ars): request and response
    against the spec."""
    request = MockRequest(SPEC_HOST, "get", f"/api{spec_path}", args={k: str(v) for k, v in params.items()})
    spec.validate_request(request)
    spec.validate_response(request, MockResponse(response.content, status_code=200, content_type="application/json"))
    VALIDATED["spec"] += 1


def validate_ours(ours, path: str, params: dict, response, *, request_too: bool = True):
    """Request (unless it is meant to be wrong) and response against our own schema."""
    request = MockRequest("http://testserver", "get", path, args={k: str(v) for k, v in params.items()})
    if request_too:
        ours.validate_request(request)
    content_type = response["Content-Type"].split(";")[0]
    ours.validate_response(
        request, MockResponse(response.content, status_code=response.status_code, content_type=content_type)
    )
    VALIDATED["ours"] += 1


def all_pages(api, spec, ours, path: str, spec_path: str | None, params: dict) -> list[dict]:
    """Every page of a paged answer, each validated and checked for the rules the spec cannot express; returns
    the content of all pages in order."""
    content, page, total = [], 0, None
    while True:
        query = {**params, "page": page}
        response = _get(api, path, query)
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        if spec_path:
            validate_spec(spec, spec_path, query, response)
        validate_ours(ours, path, query, response)
        size = body["size"]
        assert size == int(params.get("size", export.DEFAULT_SIZE))
        assert body["number"] == body["pageable"]["pageNumber"] == page
        assert body["pageable"]["pageSize"] == size and body["pageable"]["offset"] == page * size
        assert body["pageable"]["paged"] is True and body["pageable"]["unpaged"] is False
        assert body["sort"] == body["pageable"]["sort"] == {"sorted": True, "unsorted": False, "empty": False}
        assert body["numberOfElements"] == len(body["content"]) <= size
        total = body["totalElements"] if total is None else total
        assert body["totalElements"] == total
        assert body["totalPages"] == -(-total // size)
        assert body["first"] is (page == 0)
        assert body["last"] is (page >= body["totalPages"] - 1)
        assert body["empty"] is (not body["content"])
        if page < body["totalPages"] - 1:
            assert body["numberOfElements"] == size  # only the last page is short
        content += body["content"]
        if body["last"]:
            break
        page += 1
    assert len(content) == total  # totalElements counts exactly what content lists over all pages
    return content


def sort_key(record):
    return (record["ars"], record["ozgid"], record["leika_key"])


# --- /v1/data -----------------------------------------------------------------------------------------------

DATA_COMBINATIONS = list(itertools.product(["asc", "desc", None], [1, 3, 10, 100, None]))


@pytest.mark.parametrize(("order", "size"), DATA_COMBINATIONS)
def test_v1_data_every_page_matches_the_spec_and_our_schema(api, spec, ours, planted, order, size):
    params = {name: value for name, value in (("order", order), ("size", size)) if value is not None}
    content = all_pages(api, spec, ours, f"{BASE}/data/", "/v1/data", params)
    assert len(content) == planted.total
    assert [sort_key(r) for r in content] == sorted(map(sort_key, content), reverse=order == "desc")
    assert len({sort_key(r) for r in content}) == planted.total


def test_v1_data_fields_as_the_federal_dashboard_defines_them(api, planted):
    t = planted.t
    content = api.get(f"{BASE}/data/", {"size": 100}).json()["content"]
    by = {(r["ars"], r["leika_key"]): r for r in content}
    assert all(r["leika_key"] and r["leika_name"] and r["url"] for r in content)
    assert all(r["leika_bezeichnung"] is None for r in content)  # unknown, not a copy of leika_name
    assert {r["ars_federal_state"] for r in content} == {"01"} and {r["bundesland"] for r in content} == {
        "Schleswig-Holstein"
    }
    hund1, hund2 = (key.key for key in sorted(planted.hund_keys, key=lambda k: k.key))
    foehr = by[(t.foehr.ars, hund1)]
    assert (foehr["ozgid"], foehr["ozg_bezeichnung"], foehr["ars_name"]) == (10160, "Hundesteuer", t.foehr.name)
    assert foehr["online_status"] == "ok"  # the failed check was of an older address
    assert foehr["aktiv"] is None  # the newest federal set disagrees with itself on 10160
    assert foehr["art_flaechendeckung"] == "in mind. einer Kommune verfügbar"  # not all of Nordfriesland
    assert foehr["beispieldaten"] == "nein"
    husum = by[(t.husum.ars, hund2)]
    assert husum["online_status"] == "nicht ok" and husum["url"] == "https://husum.example/hund"
    assert husum["art_flaechendeckung"] == "in mind. einer Kommune verfügbar"  # coverage of the area, not the status
    kiel = by[(t.kiel.ars, hund1)]
    assert kiel["online_status"] == "nicht ok"  # online, but the last check did not reach it
    assert kiel["art_flaechendeckung"] == "kreisweit flächendeckend"  # Kiel's own Kreis is covered
    assert kiel["beispieldaten"] == "ja"
    nf = by[(t.nf.ars, "99107001000000")]
    assert (nf["aktiv"], nf["art_flaechendeckung"], nf["online_status"]) == ("ja", export.BUNDESWEIT, "ok")
    land = [r for r in content if r["ars"] == t.land.ars]
    assert len(land) == 3 and {r["art_flaechendeckung"] for r in land} == {"landesweit flächendeckend"}
    assert {r["aktiv"] for r in land} == {None}  # only an unfinished set speaks of 10300
    assert 10400 not in {r["ozgid"] for r in content}  # no LeiKa key: no record
    assert (t.kiel.ars, "99107001000000") not in by  # no address: no record


def test_v1_data_costs_a_fixed_number_of_queries_and_is_kept_until_the_next_write(
    api, planted, django_assert_num_queries, django_capture_on_commit_callbacks
):
    with django_assert_num_queries(6):  # count, rows, territory, online statuses, link checks, federal facts
        assert len(api.get(f"{BASE}/data/", {"size": 100}).json()["content"]) == 10
    with django_assert_num_queries(0):  # the same page again: kept rendered
        assert len(api.get(f"{BASE}/data/", {"size": 100, "other": "x"}).json()["content"]) == 10
    with django_capture_on_commit_callbacks(execute=True):  # a committed write replaces the OZG reads
        leistung = OzgLeistungFactory(level=ExecutingLevel.AMT_GEMEINDE)
        for n in range(5):
            LeikaLeistungFactory(ozg_leistung=leistung, key=f"9950000000000{n}")
        for verwaltung in (planted.t.foehr, planted.t.husum, planted.t.kiel):
            OnlineStatusFactory(leistung=leistung, verwaltung=verwaltung)
    with django_assert_num_queries(6):
        assert len(api.get(f"{BASE}/data/", {"size": 100}).json()["content"]) == 25


@pytest.mark.parametrize(
    ("params", "field", "text"),
    [
        ({"size": "1001"}, "size", message("integer_max") % {"max": 1000}),
        ({"size": "0"}, "size", message("integer_min") % {"min": 1}),
        ({"size": "zehn"}, "size", message("integer")),
        ({"page": "-1"}, "page", message("integer")),
        ({"order": "up"}, "order", message("ozg.choices", values="asc, desc")),
    ],
)
def test_v1_data_refuses_bad_parameters_with_400_naming_the_field(api, ours, planted, params, field, text):
    for path in (f"{BASE}/data/", f"{BASE}/ars/", f"{BASE}/data/{planted.t.land.ars}/"):
        query = {**params, "filetype": "json"} if "/data/01" in path else params
        response = api.get(path, query)
        assert response.status_code == 400, (path, response.content[:200])
        assert response.json()[field] == [text]
        validate_ours(ours, path, query, response, request_too=False)  # the documented ValidationError body


def test_a_size_above_the_maximum_is_refused_never_clamped(api, planted):
    assert api.get(f"{BASE}/data/", {"size": export.MAX_SIZE}).json()["size"] == export.MAX_SIZE
    response = api.get(f"{BASE}/data/", {"size": export.MAX_SIZE + 1})
    assert response.json() == {"size": ["Die Zahl darf höchstens 1000 sein."]}
    ars = planted.t.land.ars
    assert api.get(f"{BASE}/data/{ars}/", {"size": export.MAX_FILE_SIZE}).status_code == 200  # a file: more
    assert api.get(f"{BASE}/data/{ars}/", {"size": export.MAX_FILE_SIZE + 1}).json() == {
        "size": ["Die Zahl darf höchstens 100000 sein."]
    }


def test_a_page_past_the_last_is_empty_and_last(api, spec, planted):
    response = api.get(f"{BASE}/data/", {"size": 3, "page": 7})
    body = response.json()
    validate_spec(spec, "/v1/data", {"size": 3, "page": 7}, response)
    assert (body["content"], body["empty"], body["first"], body["last"]) == ([], True, False, True)
    assert (body["totalElements"], body["totalPages"], body["numberOfElements"]) == (10, 4, 0)


def test_no_statuses_no_records(api, spec, ours, territory):
    content = all_pages(api, spec, ours, f"{BASE}/data/", "/v1/data", {})
    assert content == []
    body = api.get(f"{BASE}/data/").json()
    assert (body["totalPages"], body["first"], body["last"], body["empty"]) == (0, True, True, True)


# --- /v1/ars ------------------------------------------------------------------------------------------------


ARS_LIST_COMBINATIONS = list(itertools.product(["asc", "desc", None], [1, 2, 100, None]))


@pytest.mark.parametrize(("order", "size"), ARS_LIST_COMBINATIONS)
def test_v1_ars_lists_the_register_by_key(api, spec, ours, territory, order, size):
    params = {name: value for name, value in (("order", order), ("size", size)) if value is not None}
    content = all_pages(api, spec, ours, f"{BASE}/ars/", "/v1/ars", params)
    expected = sorted(territory.orgs.exclude(ars=None).values_list("ars", "name"), reverse=order == "desc")
    assert [(entry["ars"], entry["arsName"]) for entry in content] == expected
    assert len(content) == 6


# --- /v1/data/{ars} ------------------------------------------------------------------------------------------

#: What /v1/data/{ars} lists per body: its own records, those above, those below (by the ARS that holds them).
SCOPES = {
    "land": ({"land"}, set(), {"nf", "foehr", "husum", "kiel"}),
    "nf": ({"nf"}, {"land"}, {"foehr", "husum"}),
    "foehr": ({"foehr"}, {"land", "nf"}, set()),  # its Gemeinden hold no statuses
    "alkersum": (set(), {"land", "nf", "foehr"}, set()),  # a Gemeinde in an Amt: its Amt's records come from above
    "husum": ({"husum"}, {"land", "nf"}, set()),
    "kiel": ({"kiel"}, {"land"}, set()),
}
FLAG_VALUES = [None, "true", "false"]
ARS_COMBINATIONS = list(itertools.product(SCOPES, FLAG_VALUES, FLAG_VALUES, ["asc", "desc"], [2, 100]))


@pytest.mark.parametrize(("body", "above", "below", "order", "size"), ARS_COMBINATIONS)
def test_v1_data_by_ars_includes_above_and_below(api, spec, ours, planted, body, above, below, order, size):
    t = planted.t
    params = {"filetype": "json", "order": order, "size": size}
    params |= {name: value for name, value in (("includeAbove", above), ("includeBelow", below)) if value}
    ars = getattr(t, body).ars
    content = all_pages(api, spec, ours, f"{BASE}/data/{ars}/", None, params)
    for record in content:  # the spec has no answer schema for {ars}: our page object is PageDvDataDto
        assert set(export.COLUMNS) == set(record)
    response = api.get(f"{BASE}/data/{ars}/", params)
    validate_spec(spec, "/v1/data", {k: v for k, v in params.items() if k in ("order", "size")}, response)
    own, up, down = SCOPES[body]
    wanted = own | (up if above != "false" else set()) | (down if below != "false" else set())
    expected_ars = {getattr(t, name).ars for name in wanted}
    assert {r["ars"] for r in content} == {a for a in expected_ars if a in planted.per_ars}
    assert len(content) == sum(planted.per_ars.get(a, 0) for a in expected_ars)
    assert [sort_key(r) for r in content] == sorted(map(sort_key, content), reverse=order == "desc")


def test_v1_data_by_ars_json_by_accept_header(api, planted):
    ars = planted.t.nf.ars
    assert api.get(f"{BASE}/data/{ars}/", HTTP_ACCEPT="application/json").json()["totalElements"] == 1 + 3 + 4
    response = api.get(f"{BASE}/data/{ars}/", HTTP_ACCEPT="text/html,*/*")  # a browser: the spec's default
    assert response["Content-Type"].startswith("text/csv")
    response = api.get(f"{BASE}/data/{ars}/", {"filetype": "csv"}, HTTP_ACCEPT="application/json")
    assert response["Content-Type"].startswith("text/csv")  # filetype wins
    response = api.get(f"{BASE}/data/{ars}/", HTTP_ACCEPT="text/csv")  # no 406: the file
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")


def _csv_rows(response) -> list[dict]:
    payload = parse_payload(response.content)  # our own federal parser reads our export back
    return payload.records


def _xlsx_rows(response) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize(
    ("body", "params"),
    [
        ("land", {}),
        ("land", {"order": "desc", "size": 4, "page": 1}),
        ("nf", {"includeAbove": "false"}),
        ("alkersum", {}),
        ("kiel", {"includeAbove": "false", "includeBelow": "false"}),
    ],
)
def test_csv_and_xlsx_hold_the_same_rows_as_the_json_page(api, planted, body, params):
    ars = getattr(planted.t, body).ars
    page = api.get(f"{BASE}/data/{ars}/", {**params, "filetype": "json"}).json()
    csv_response = api.get(f"{BASE}/data/{ars}/", params)
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in csv_response["Content-Disposition"] and ars in csv_response["Content-Disposition"]
    text = csv_response.content.decode("utf-8")
    assert not text.startswith("\ufeff") and "\r\n" not in text
    assert text.splitlines()[0] == ",".join(export.COLUMNS)
    xlsx_response = api.get(f"{BASE}/data/{ars}/", {**params, "filetype": "xlsx"})
    assert xlsx_response["Content-Type"] == export.XLSX_TYPE
    rows = _xlsx_rows(xlsx_response)
    assert rows[0] == export.COLUMNS
    expected = [[record[name] for name in export.COLUMNS] for record in page["content"]]
    assert rows[1:] == expected  # ozgid a number, null an empty cell, "=…" text
    csv_records = _csv_rows(csv_response)
    assert len(csv_records) == len(expected) == page["numberOfElements"]
    for record, row in zip(csv_records, page["content"], strict=True):
        for name in export.FIELDS:
            value = row[name]
            if isinstance(value, str) and value.startswith("="):
                value = "'" + value  # formula-safe in the CSV
            assert record[name] == (None if value is None else str(value)), name  # CSV: text, null an empty cell


def test_csv_is_formula_safe_and_xlsx_keeps_text(api, planted):
    ars = planted.t.land.ars
    text = api.get(f"{BASE}/data/{ars}/", {"includeBelow": "false"}).content.decode()
    assert ",'=HYPERLINK(1)," in text and ",=HYPERLINK" not in text
    sheet = openpyxl.load_workbook(io.BytesIO(api.get(f"{BASE}/data/{ars}/", {"filetype": "xlsx"}).content)).active
    urls = [cell.value for cell in sheet["J"]][1:]
    assert "=HYPERLINK(1)" in urls
    assert all(cell.data_type == "s" for cell in sheet["J"])


@pytest.mark.parametrize(
    ("ars", "status", "field", "text"),
    [
        ("020000000000", 400, "ars", message("organisations.ars_format")),  # another Land
        ("01054", 400, "ars", message("organisations.ars_format")),
        ("010549999999", 404, "detail", message("organisations.unknown_key", key="010549999999")),
    ],
)
def test_v1_data_by_ars_refuses_keys_outside_the_register(api, planted, ars, status, field, text):
    response = api.get(f"{BASE}/data/{ars}/")
    assert response.status_code == status
    assert response.json()[field] in ([text], text)


@pytest.mark.parametrize(
    ("params", "field", "text"),
    [
        ({"filetype": "pdf"}, "filetype", message("ozg.choices", values="csv, xlsx, json")),
        ({"includeAbove": "ja"}, "includeAbove", message("ozg.choices", values="true, false")),
        ({"includeBelow": "1"}, "includeBelow", message("ozg.choices", values="true, false")),
        ({"size": "1001", "filetype": "json"}, "size", message("integer_max") % {"max": 1000}),
    ],
)
def test_v1_data_by_ars_refuses_bad_parameters(api, planted, params, field, text):
    response = api.get(f"{BASE}/data/{planted.t.land.ars}/", params)
    assert response.status_code == 400
    assert response.json()[field] == [text]


def test_v1_data_by_ars_costs_a_fixed_number_of_queries(api, planted, django_assert_num_queries):
    ars = planted.t.land.ars
    with django_assert_num_queries(7):  # the body, then as /v1/data
        assert api.get(f"{BASE}/data/{ars}/", {"filetype": "json"}).json()["totalElements"] == 10
    with django_assert_num_queries(6):  # a file needs no count
        api.get(f"{BASE}/data/{ars}/", {"filetype": "xlsx"})


# --- the old endpoint ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "target"),
    [
        ({}, f"{BASE}/data/"),
        ({"page": "2", "size": "5"}, f"{BASE}/data/?page=2&size=5"),
        (
            {"filetype": "csv"},
            f"{BASE}/data/010000000000/?includeAbove=false&includeBelow=true&filetype=csv&size=100000",
        ),
        (
            {"ars": "010545488000"},
            f"{BASE}/data/010545488000/?includeAbove=false&includeBelow=false&filetype=json",
        ),
        (
            {"ars_prefix": "01054", "filetype": "csv"},
            f"{BASE}/data/010540000000/?includeAbove=false&includeBelow=true&filetype=csv",
        ),
    ],
)
def test_the_old_export_redirects_to_its_successor(api, planted, params, target):
    response = api.get("/api/v1/ozg/export/dashboard/", params)
    assert response.status_code == 301
    assert response["Location"] == target
    assert api.get(target).status_code == 200


def test_the_old_export_refuses_what_has_no_successor(api, db):
    response = api.get("/api/v1/ozg/export/dashboard/", {"ozg_id": "10000", "ars": "020000000000"})
    assert response.status_code == 400
    assert response.json() == {
        "ars": [message("organisations.ars_format")],
        "ozg_id": [message("ozg.export_ozg_id_gone")],
    }


def test_combinations_were_validated():
    """Runs last in this module: the parameter combinations above were validated against the spec and our schema."""
    assert (len(DATA_COMBINATIONS), len(ARS_LIST_COMBINATIONS), len(ARS_COMBINATIONS)) == (15, 12, 216)
    if VALIDATED["ours"] >= 400:  # the whole module ran (not a selection): every answer was validated
        assert VALIDATED["spec"] >= 15 + 12 + 216
    print(f"validated against the spec: {VALIDATED['spec']}, against our schema: {VALIDATED['ours']}")
