"""Public pages: list filters (incl. a Kreis prefix finding an Amt's agreement), sorting, pagination, empty state,
CSV, detail, timeline, source file, body include; query counts that do not grow with the list."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from common.authorization import system_actor
from cooperations import services
from cooperations.models import Agreement

from .factories import AmtFactory, KreisFactory, signed_agreement

pytestmark = pytest.mark.django_db
LIST = "/kooperationen/"


@pytest.fixture
def founding(register):
    call_command("load_founding_agreements", stdout=io.StringIO())


def _titles(response):
    return [agreement.title for agreement in response.context["agreements"]]


def test_url_names():
    assert reverse("cooperations:list") == LIST
    assert reverse("cooperations:timeline") == "/kooperationen/zeitleiste/"
    assert reverse("cooperations:detail", kwargs={"slug": "x"}) == "/kooperationen/x/"
    assert reverse("cooperations:source_file", kwargs={"pk": 1}) == "/kooperationen/quellen/1/datei/"


def test_list_shows_the_founding_agreements(client, founding):
    response = client.get(LIST)
    assert response.status_code == 200
    assert len(_titles(response)) == 7
    assert "Verwaltungskooperation Land – Amt Föhr-Amrum" in response.content.decode()


def test_kreis_finds_foehr_amrum_through_its_amt(client, founding):
    response = client.get(LIST, {"party": "010540000000"})  # Kreis Nordfriesland
    assert _titles(response) == ["Verwaltungskooperation Land – Amt Föhr-Amrum"]
    response = client.get(LIST, {"party": "010545488000"})  # the Amt itself
    assert _titles(response) == ["Verwaltungskooperation Land – Amt Föhr-Amrum"]
    response = client.get(LIST, {"party": "ihk-sh"})
    assert _titles(response) == ["Absichtserklärung zur gemeinsamen Umsetzung des Onlinezugangsgesetzes"]


def test_filters_kind_status_topic_in_force(client, founding):
    assert len(_titles(client.get(LIST, {"kind": "verwaltungskooperation"}))) == 2
    assert _titles(client.get(LIST, {"status": "ersetzt"})) == [
        "Kooperationsvereinbarung Land – ITV.SH (erste Vereinbarung)"
    ]
    assert _titles(client.get(LIST, {"topic": "open-source"})) == ["Verwaltungskooperation Land – Amt Hüttener Berge"]
    on_2020 = set(_titles(client.get(LIST, {"in_force_on": "2020-06-01"})))
    assert "Verwaltungskooperation Land – Amt Hüttener Berge" in on_2020
    assert "Kooperationsvereinbarung Land – ITV.SH (Verlängerung ab 2025)" not in on_2020
    today = set(_titles(client.get(LIST, {"in_force_on": "2026-11-21"})))
    assert "Verwaltungskooperation Land – Amt Hüttener Berge" not in today
    assert "Kooperationsvereinbarung Land – ITV.SH (Verlängerung ab 2025)" in today


def test_unknown_filter_values_are_form_errors(client, founding):
    response = client.get(LIST, {"kind": "quatsch", "in_force_on": "gestern"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"kind", "in_force_on"}


def test_empty_state_and_sorting_and_pagination(client, db):
    response = client.get(LIST, {"party": "010999999000"})
    assert "Keine Vereinbarungen gefunden" in response.content.decode()
    for index in range(23):
        services.agreement_create(
            slug=f"e-{index:02d}", kind="sonstige", title=f"Entwurf {index:02d}", by=system_actor()
        )
    first = client.get(LIST, {"sort": "title"})
    assert _titles(first)[:2] == ["Entwurf 00", "Entwurf 01"] and len(_titles(first)) == 20
    second = client.get(LIST, {"sort": "title", "seite": 2})
    assert _titles(second) == ["Entwurf 20", "Entwurf 21", "Entwurf 22"]
    assert _titles(client.get(LIST, {"sort": "-title"}))[0] == "Entwurf 22"


def test_csv_export_of_the_filtered_list(client, founding):
    response = client.get(LIST, {"kind": "verwaltungskooperation", "export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = response.content.decode("utf-8-sig").strip().splitlines()
    assert len(rows) == 3 and rows[0].startswith("Kennung;Titel")
    assert any("unterzeichnet, Datum unbekannt" in row for row in rows)


def test_detail_page(client, founding):
    response = client.get("/kooperationen/verwaltungskooperation-huettener-berge-2018/")
    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        "Robert Habeck",
        "Andreas Betz",
        "04.05.2018",
        "19. Wahlperiode",
        "Open Source",
        "Landesregierung Schleswig-Holstein",
    ):
        assert text in html
    renewal = client.get("/kooperationen/kooperationsvereinbarung-land-itvsh-2025/").content.decode()
    assert "Vorgänger" in renewal and "unterzeichnet, Datum unbekannt" in renewal and "2029" in renewal
    assert "(abgeleitet: Die undatierte Medien-Information nennt einen Roll-out-Plan" in renewal
    assert "(abgeleitet: Ende der Laufzeit berechnet: Beginn plus 5 Jahre." in renewal
    assert 'style="' not in renewal
    assert client.get("/kooperationen/gibt-es-nicht/").status_code == 404
    huetten = html
    assert "Laufzeitbeginn" in huetten and "(abgeleitet: Beginn der Laufzeit aus dem Unterzeichnungsdatum" in huetten
    law = client.get("/kooperationen/itvsh-gesetz-2018/").content.decode()
    assert "Gesetzentwurf" in law and "nicht bekannt" in law and "2019-01-01" not in law
    moved = client.get("/kooperationen/kooperationsvereinbarung-land-itvsh-2019/")
    assert moved.status_code == 301 and moved["Location"] == "/kooperationen/kooperationsvereinbarung-land-itvsh-erste/"


def test_detail_progress_bars_and_explanation(client):
    agreement = signed_agreement(signed_on=datetime.date(2025, 1, 1), years=3)
    services.measure_create(agreement=agreement, title="A", progress=50, weight=1, by=system_actor())
    services.measure_create(agreement=agreement, title="B", progress=100, weight=3, by=system_actor())
    html = client.get(agreement.get_absolute_url()).content.decode()
    assert '<progress class="coop-progress" max="100" value="50"' in html
    assert "Gesamtfortschritt: 87,5" in html and "350 ÷ 4" in html


def test_timeline(client, founding):
    response = client.get("/kooperationen/zeitleiste/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<time datetime="2018-05-04">04.05.2018</time>' in html
    assert '<time datetime="2025">2025</time>' in html
    assert [year["year"] for year in response.context["years"]] == sorted(
        year["year"] for year in response.context["years"]
    )


def test_source_file_is_served_through_the_view(client, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    agreement = signed_agreement()
    pdf = SimpleUploadedFile("v.pdf", b"%PDF-1.4\nhello\n", content_type="application/pdf")
    source = services.source_create(agreement=agreement, title="Vertrag", publisher="Land", file=pdf, by=system_actor())
    response = client.get(reverse("cooperations:source_file", kwargs={"pk": source.pk}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert str(tmp_path) not in str(settings.STATIC_ROOT)
    no_file = services.source_create(agreement=agreement, title="Nur Text", publisher="Land", by=system_actor())
    assert client.get(reverse("cooperations:source_file", kwargs={"pk": no_file.pk})).status_code == 404


def test_body_page_lists_the_agreements_of_the_body(client):
    amt = AmtFactory()
    agreement = signed_agreement(partner=amt)
    html = client.get(amt.get_absolute_url()).content.decode()
    assert 'id="kooperationen"' in html
    assert agreement.title in html
    other = client.get(KreisFactory().get_absolute_url()).content.decode()
    assert 'id="kooperationen"' not in other


def _make(count):
    kreis = KreisFactory()
    for _ in range(count):
        agreement = signed_agreement(partner=AmtFactory(kreis=kreis))
        agreement.topics.add(*list(agreement.__class__.topics.field.related_model.objects.all()[:2]))
    return kreis


@pytest.mark.parametrize("count", [5, 30])
def test_list_page_query_count_is_constant(client, django_assert_num_queries, warm_notices, count):
    _make(count)
    # count, page rows, parties+bodies, topics, topic choices of the form: 5 queries for 5 or 30 agreements.
    with django_assert_num_queries(6):  # … and the Stand der Daten
        response = client.get(LIST, {"sort": "title"})
    assert response.status_code == 200
    assert Agreement.objects.count() == count


def test_csv_export_neutralises_spreadsheet_formulas(client, db):
    """A title typed as a formula stays text in a spreadsheet (OWASP CSV injection): a leading apostrophe."""
    from tests.cooperations.factories import AgreementFactory

    AgreementFactory(title='=HYPERLINK("https://böse.example","Klick")')
    AgreementFactory(title="Normale Vereinbarung")
    import csv

    body = client.get(LIST, {"export": "csv"}).content.decode("utf-8-sig")
    titles = {row[1] for row in list(csv.reader(io.StringIO(body), delimiter=";"))[1:]}
    assert titles == {'\'=HYPERLINK("https://böse.example","Klick")', "Normale Vereinbarung"}


def test_unknown_periods_and_no_progress_say_so_in_words(client, db):
    from tests.cooperations.factories import MeasureFactory, signed_agreement

    agreement = signed_agreement()
    MeasureFactory(agreement=agreement, title="Ohne Zeitraum", start_on=None, end_on=None, progress=None)
    page = client.get(agreement.get_absolute_url()).content.decode()
    assert "Zeitraum nicht bekannt" in page and "? – ?" not in page
    assert "0 ÷ 0" not in page and "gibt es keinen Wert" in page


def test_newest_first_puts_agreements_without_a_date_last(client, db):
    import datetime as dt

    from tests.cooperations.factories import AgreementFactory, signed_agreement

    AgreementFactory(title="Ohne Datum")
    older = signed_agreement(signed_on=dt.date(2019, 5, 1))
    newer = signed_agreement(signed_on=dt.date(2024, 3, 1))
    titles = [agreement.title for agreement in client.get("/kooperationen/").context["agreements"]]
    assert titles.index(newer.title) < titles.index(older.title) < titles.index("Ohne Datum")


# --- "Partei oder Ort": a place's name finds the agreements of the Gemeinde, her Amt and her Kreis ------------


HUETTENER_BERGE = "Verwaltungskooperation Land – Amt Hüttener Berge"
FOEHR_AMRUM = "Verwaltungskooperation Land – Amt Föhr-Amrum"


@pytest.mark.parametrize("typed", ["Ascheffel", "ascheffel", "Aschefel", "010585890008"])
def test_a_gemeinde_by_name_typo_or_key_finds_the_agreements_of_her_amt(client, founding, typed):
    response = client.get(LIST, {"party": typed})
    assert response.status_code == 200
    assert _titles(response) == [HUETTENER_BERGE]
    html = response.content.decode()
    assert "Ascheffel (Amt Hüttener Berge, Kreis Rendsburg-Eckernförde)" in html
    assert "an denen die Gemeinde, ihr Amt oder ihr Kreis beteiligt ist" in html


def test_a_postcode_and_an_amt_name_find_the_gemeinden_and_their_amt(client, founding):
    assert _titles(client.get(LIST, {"party": "Wyk auf Föhr"})) == [FOEHR_AMRUM]
    assert _titles(client.get(LIST, {"party": "25938"})) == [FOEHR_AMRUM]  # the PLZ of Föhr's Gemeinden
    assert _titles(client.get(LIST, {"party": "Amt Föhr-Amrum"})) == [FOEHR_AMRUM]
    assert _titles(client.get(LIST, {"party": "Kiel"})) == []  # no founding agreement names Kiel or its Kreis


def test_the_party_filter_keeps_keys_and_says_when_nothing_is_found(client, founding):
    assert _titles(client.get(LIST, {"party": "010540000000"})) == [FOEHR_AMRUM]  # Kreis key: all below
    response = client.get(LIST, {"party": "Xqzwvtt"})
    assert response.status_code == 200 and _titles(response) == []
    assert "kein Ort in Schleswig-Holstein hat diesen Namen" in response.content.decode()


def test_a_malformed_party_is_a_german_field_error_not_a_500(client, founding):
    response = client.get(LIST, {"party": "123"})
    assert response.status_code == 400
    assert response.context["form"].errors["party"] == [
        "„123“ ist weder eine fünfstellige Postleitzahl noch ein Schlüssel aus Schleswig-Holstein (ARS oder AGS "
        "beginnen mit 01)."
    ]
    assert 'aria-invalid="true"' in response.content.decode()


def test_the_api_filters_by_a_place_name_too(client, founding):
    body = client.get("/api/v1/cooperations/agreements/", {"party": "Ascheffel"}).json()
    assert [row["title"] for row in body["results"]] == [HUETTENER_BERGE]
    assert client.get("/api/v1/cooperations/agreements/", {"party": "123"}).status_code == 400
