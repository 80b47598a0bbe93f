import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from common.authorization import system_actor
from cooperations.models import Agreement
from funding.models import BudgetLine
from opendata.datasets import CURRENT_DATASETS, DATASETS
from organisations.models import Organisation
from ozg_monitoring.models import OzgLeistung, RolloutStatus, Zustaendigkeit, ZustaendigkeitAusnahme
from ozg_monitoring.services import rollout_status_update

pytestmark = pytest.mark.django_db


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8")


def get_csv(client, slug):
    response = client.get(reverse("opendata:download", kwargs={"slug": slug, "fmt": "csv"}))
    assert response.status_code == 200
    text = body(response)
    assert not text.startswith("\ufeff")
    return response, list(csv.reader(io.StringIO(text)))


def get_json(client, slug):
    response = client.get(reverse("opendata:download", kwargs={"slug": slug, "fmt": "json"}))
    assert response.status_code == 200
    return response, json.loads(body(response))


@pytest.mark.parametrize("slug", [dataset.slug for dataset in CURRENT_DATASETS])
def test_every_download_has_header_row_headers_and_json_equal_to_csv(client, portal_data, slug):
    response, rows = get_csv(client, slug)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{slug}.csv"'
    assert response["ETag"].startswith('"') and response["Last-Modified"]
    assert "max-age=300" in response["Cache-Control"]
    assert rows[0] == DATASETS[slug].column_names

    json_response, document = get_json(client, slug)
    assert json_response["Content-Type"] == "application/json; charset=utf-8"
    assert json_response["ETag"] != response["ETag"]
    meta = document["meta"]
    if slug == "ozg-katalog":  # the catalogue's source gives no licence: not relicensed, said in words
        assert (meta["license_id"], meta["license_url"]) == ("other-closed", None)
        assert meta["license_uri"] == "http://dcat-ap.de/def/licenses/other-closed"
        assert "gibt keine Lizenz an" in meta["license_statement"]
    else:
        assert meta["license_id"] == "dl-de/by-2-0" and "license_statement" not in meta
        assert meta["license_uri"] == "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
    assert meta["attribution"].startswith("IT-Verbund Schleswig-Holstein (ITV.SH)")
    assert meta["modified"]
    assert [column["name"] for column in meta["columns"]] == rows[0]
    assert len(document["rows"]) == len(rows) - 1
    kinds = {column["name"]: column["type"] for column in meta["columns"]}
    for csv_row, json_row in zip(rows[1:], document["rows"], strict=True):
        assert list(json_row) == rows[0]
        for name, cell in zip(rows[0], csv_row, strict=True):
            value = json_row[name]
            if value is None:
                expected = ""
            elif kinds[name] == "boolean":
                expected = "true" if value else "false"
            elif kinds[name] == "list":
                expected = "|".join(str(item) for item in value)
            else:
                expected = str(value)
            assert cell == expected, (name, cell, value)


def test_row_counts_match_the_data(client, portal_data):
    expected = {
        "register": Organisation.objects.count(),
        "ozg-katalog": OzgLeistung.objects.count(),
        "ozg-status": RolloutStatus.objects.count(),
        "vereinbarungen": Agreement.objects.count(),
        "finanzierung": BudgetLine.objects.count(),
        "zustaendigkeiten": Zustaendigkeit.objects.count() + ZustaendigkeitAusnahme.objects.count(),
    }
    assert {key: value for key, value in expected.items() if key != "register"} == {
        "ozg-katalog": 3,
        "ozg-status": 3,
        "vereinbarungen": 1,
        "finanzierung": 2,
        "zustaendigkeiten": 2,
    }
    assert expected["register"] >= 4  # Land, Kreis, two Ämter (and ITV.SH from the funding factory)
    for slug, count in expected.items():
        assert len(get_csv(client, slug)[1]) == count + 1, slug


def test_register_rows_carry_keys_as_text_and_destatis_attribution(client, portal_data):
    _response, rows = get_csv(client, "register")
    by_ars = {row[1]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    amt = by_ars[portal_data["amt_a"].ars]
    assert amt["kreis_ars"] == portal_data["kreis"].ars
    assert amt["verwaltung_ars"] == portal_data["amt_a"].ars
    assert amt["art"] == "amt" and amt["flaeche_km2"] == "150.00" and amt["einwohner"] == "10000"
    assert rows[1][1] == "010000000000"  # sorted by ARS, the Land first
    meta = get_json(client, "register")[1]["meta"]
    assert "© Statistisches Bundesamt (Destatis), 2025" in meta["attribution"]


def test_catalogue_rows_list_leika_keys(client, portal_data):
    _response, document = get_json(client, "ozg-katalog")
    first = next(row for row in document["rows"] if row["ozg_id"] == portal_data["leistungen"][0].ozg_id)
    assert len(first["leika_schluessel"]) == 2 and first["anzahl_leika_leistungen"] == 2
    assert all(len(key) == 14 and key.startswith("99") for key in first["leika_schluessel"])


def test_status_rows_follow_the_statuses(client, portal_data):
    _response, document = get_json(client, "ozg-status")
    rows = {(row["ozg_id"], row["ars"]): row for row in document["rows"]}
    online = rows[(portal_data["leistungen"][0].ozg_id, portal_data["amt_a"].ars)]
    assert online["umsetzungsstand"] == "online" and online["online"] is True
    assert online["adresse"] == "https://dienst.example/a" and online["reifegrad"] == 3


def test_funding_rows_have_planned_called_and_remaining(client, portal_data):
    _response, document = get_json(client, "finanzierung")
    row = next(row for row in document["rows"] if row["haushaltsjahr"] == 2025)
    assert row["planbetrag"] == "100000.00"
    assert (row["freigegeben"], row["ausgezahlt"], row["abgerufen"]) == ("1000.00", "1000.00", "2000.00")
    assert Decimal(row["verfuegbar"]) == Decimal("98000.00")
    assert row["vereinbarung"] == portal_data["agreement"].slug


def test_agreement_rows_list_parties_and_term(client, portal_data):
    _response, document = get_json(client, "vereinbarungen")
    (row,) = document["rows"]
    assert row["status"] == "in_kraft" and row["laufzeit_jahre"] == 3
    assert sorted(row["parteien_ars"]) == sorted(["010000000000", portal_data["amt_a"].ars])
    assert len(row["parteien"]) == 2


@pytest.mark.parametrize("slug", [dataset.slug for dataset in CURRENT_DATASETS])
def test_conditional_get_answers_304_and_a_change_gives_a_new_etag(client, portal_data, slug):
    url = reverse("opendata:download", kwargs={"slug": slug, "fmt": "csv"})
    first = client.get(url)
    body(first)
    not_modified = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert not_modified.status_code == 304
    assert not_modified["ETag"] == first["ETag"] and not_modified["Last-Modified"] == first["Last-Modified"]
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    assert "Cookie" not in first.get("Vary", "")  # anonymous answers are the same for everyone
    assert client.get(url, HTTP_IF_NONE_MATCH='"anders"').status_code == 200


def test_a_status_change_changes_the_status_etag(client, portal_data, django_capture_on_commit_callbacks):
    url = reverse("opendata:download", kwargs={"slug": "ozg-status", "fmt": "csv"})
    before = client.get(url)["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        rollout_status_update(
            changes={"stage": "geplant"},
            leistung=portal_data["leistungen"][2],
            verwaltung=portal_data["amt_b"],
            by=system_actor(),
        )
    response = client.get(url, HTTP_IF_NONE_MATCH=before)
    assert response.status_code == 200 and response["ETag"] != before
    assert len(list(csv.reader(io.StringIO(body(response))))) == 1 + 4


def test_a_304_costs_only_the_state_queries(client, portal_data, django_assert_num_queries):
    url = reverse("opendata:download", kwargs={"slug": "finanzierung", "fmt": "json"})
    etag = client.get(url)["ETag"]
    with django_assert_num_queries(2):  # two aggregates (lines, drawdowns), no rendering
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


@pytest.mark.parametrize(
    ("slug", "queries"),
    [
        ("register", 2),
        ("ozg-katalog", 4),
        ("ozg-status", 2),
        ("vereinbarungen", 5),
        ("finanzierung", 3),
        ("zustaendigkeiten", 4),  # two history aggregates, default rows, exceptions
    ],
)
def test_download_query_count_is_constant(client, portal_data, django_assert_num_queries, slug, queries):
    url = reverse("opendata:download", kwargs={"slug": slug, "fmt": "csv"})
    with django_assert_num_queries(queries):
        body(client.get(url))
    # More rows of everything: the same number of queries.
    for leistung in portal_data["leistungen"]:
        for verwaltung in (portal_data["kreis"], portal_data["land"]):
            rollout_status_update(
                changes={"stage": "geplant"},
                leistung=leistung,
                verwaltung=verwaltung,
                by=system_actor(),
            )
    from tests.cooperations.factories import signed_agreement
    from tests.funding.factories import BudgetLineFactory
    from tests.organisations.factories import AmtFactory
    from tests.ozg_monitoring.factories import LeikaLeistungFactory

    signed_agreement(partner=AmtFactory(kreis=portal_data["kreis"]))
    BudgetLineFactory(fiscal_year=2027)
    LeikaLeistungFactory(ozg_leistung=portal_data["leistungen"][1])
    sourced = {"basis": "§ 1 LMG", "source_title": "LMG", "checked_on": datetime.date(2026, 12, 1)}
    Zustaendigkeit.objects.create(leistung=portal_data["leistungen"][1], level="kreis", **sourced)
    ZustaendigkeitAusnahme.objects.create(
        leistung=portal_data["leistungen"][1], area=portal_data["amt_b"], level="kreis", **sourced
    )
    with django_assert_num_queries(queries):
        body(client.get(url))


def test_unknown_dataset_is_404(client, db):
    assert client.get("/opendata/gibtsnicht.csv").status_code == 404
    assert client.get("/opendata/gibtsnicht/").status_code == 404
    assert client.get("/opendata/ozg-status-monatsstaende.csv").status_code == 404


def test_csv_text_cells_cannot_run_as_spreadsheet_formulas():
    from decimal import Decimal

    from opendata.datasets import DECIMAL, LIST, TEXT, csv_value, json_value

    assert csv_value(TEXT, '=HYPERLINK("https://böse.example")') == '\'=HYPERLINK("https://böse.example")'
    assert csv_value(TEXT, "@SUM(A1)") == "'@SUM(A1)"
    assert csv_value(LIST, ["-x", "y"]) == "'-x|y"
    assert csv_value(TEXT, "https://dienste.example/antrag") == "https://dienste.example/antrag"
    assert csv_value(DECIMAL, Decimal("-5")) == "-5.00"  # numbers stay numbers
    assert json_value(TEXT, "=1+1") == "=1+1"  # JSON carries the value unchanged


def test_zustaendigkeiten_carry_the_source_of_every_row(client, portal_data):
    _response, rows = get_csv(client, "zustaendigkeiten")
    header, *data = rows
    by_kind = {row[0]: dict(zip(header, row, strict=True)) for row in data}
    standard, ausnahme = by_kind["standard"], by_kind["ausnahme"]
    assert standard["ebene"] == "amt_gemeinde" and standard["bereich_ars"] == ""
    assert standard["quelle_url"] == "https://quelle.example/lmg" and standard["geprueft_am"] == "2026-12-01"
    assert (
        ausnahme["bereich_ars"] == portal_data["amt_a"].ars and ausnahme["zustaendig_ars"] == portal_data["kreis"].ars
    )
    assert ausnahme["grundlage"] == "§ 1 LMG" and ausnahme["beleg"] == "quelle"
    assert "Quelle jeder Zeile" in DATASETS["zustaendigkeiten"].attribution
