import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from funding.models import Drawdown, YearlyReport

from .factories import BudgetLineFactory, DrawdownFactory, InKindFactory, agreement

pytestmark = pytest.mark.django_db
S = Drawdown.Status


def make_lines(n):
    kv = agreement()
    for i in range(n):
        line = BudgetLineFactory(
            fiscal_year=2025 + i % 3, agreement=kv if i % 2 else None, planned_amount=Decimal("1000.00")
        )
        DrawdownFactory(line=line, status=S.AUSGEZAHLT, amount=Decimal("100.10"))
        DrawdownFactory(line=line, status=S.FREIGEGEBEN, amount=Decimal("200.20"))
        InKindFactory()


def test_url_name():
    assert reverse("funding:overview") == "/finanzierung/"


def test_page_shows_figures_charts_and_tables(client):
    kv = agreement()
    line = BudgetLineFactory(
        fiscal_year=2025,
        planned_amount=Decimal("3000000.00"),
        amount_is_approximate=True,
        amount_wording="knapp 3 Millionen Euro pro Jahr",
        agreement=kv,
        year_is_stated=False,
    )
    DrawdownFactory(line=line, status=S.AUSGEZAHLT, amount=Decimal("12345.67"))
    BudgetLineFactory(fiscal_year=None, year_is_stated=False, planned_amount=Decimal("1500000.00"))
    InKindFactory(title="Abordnung von zwei Landesbediensteten", fte=None)
    response = client.get("/finanzierung/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('role="img"') == 4  # year, source, purpose, agreement
    assert "3.000.000,00\u00a0€" in html and "„knapp 3 Millionen Euro pro Jahr“" in html
    assert "12.345,67\u00a0€" in html
    assert "4.487.654,33\u00a0€" in html  # remaining in total
    assert "Jahr nicht genannt" in html
    assert "Abordnung von zwei Landesbediensteten" in html and "nicht genannt" in html
    assert kv.title in html


def test_filter_and_unknown_filter_values(client):
    BudgetLineFactory(fiscal_year=2025, title="Position A")
    BudgetLineFactory(fiscal_year=2026, title="Position B")
    html = client.get("/finanzierung/?year=2026").content.decode()
    assert "Position B" in html and "Position A" not in html
    bad = client.get("/finanzierung/?year=morgen&source=mond")
    assert bad.status_code == 400
    assert "vierstellige Zahl" in bad.content.decode()


@pytest.mark.parametrize("n", [1, 8])
def test_page_query_count_is_constant(client, django_assert_num_queries, n):
    make_lines(n)
    client.get("/finanzierung/")  # warm up anything cached per process
    with django_assert_num_queries(8):  # … and the Stand der Daten
        response = client.get("/finanzierung/")
    assert response.status_code == 200


def test_csv_download(client):
    BudgetLineFactory(fiscal_year=2025, planned_amount=Decimal("0.10"), title="Eins")
    line = BudgetLineFactory(fiscal_year=2026, planned_amount=Decimal("0.20"), title="Zwei")
    DrawdownFactory(line=line, status=S.AUSGEZAHLT, amount=Decimal("0.05"))
    response = client.get("/finanzierung/finanzierung.csv?year=2026")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Haushaltsjahr"
    assert [(r[0], r[1], r[7], r[11], r[12]) for r in rows[1:]] == [("2026", "Zwei", "0.20", "0.05", "0.15")]
    assert client.get("/finanzierung/finanzierung.csv?year=xx").status_code == 400


def test_yearly_report_download(client):
    assert client.get("/finanzierung/berichte/2025.csv").status_code == 404
    YearlyReport.objects.create(fiscal_year=2025, content="Haushaltsjahr\r\n", row_count=0)
    response = client.get("/finanzierung/berichte/2025.csv")
    assert response.status_code == 200
    assert 'filename="finanzierung-2025.csv"' in response["Content-Disposition"]


def test_agreement_include_renders(rf):
    from django.template.loader import render_to_string

    from funding.related import agreement_funding_section

    def rendered(item):
        section = agreement_funding_section(item, rf.get("/"))
        return render_to_string(section.template_name, {"section": section})

    kv = agreement()
    BudgetLineFactory(agreement=kv, planned_amount=Decimal("1700000.00"))
    InKindFactory(agreement=kv, people_count=2, fte=None)
    html = rendered(kv)
    assert "1.700.000,00\u00a0€" in html and "2 Personen" in html and "Stellenumfang nicht genannt" in html
    empty = rendered(agreement("andere", "Andere"))
    assert "keine Finanzierungszusagen" in empty


def test_agreement_detail_page_shows_its_funding(client):
    kv = agreement()
    BudgetLineFactory(agreement=kv, planned_amount=Decimal("1700000.00"), fiscal_year=2026)
    response = client.get(kv.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="finanzierung-vereinbarung"' in html
    assert "1.700.000,00\u00a0€" in html


def test_agreement_page_renders_the_funding_section_through_the_hook_where_it_stood(client):
    """funding registers its section on cooperations' hook (cooperations loads no funding template tag): the same
    section as before, after "Maßnahmen und Fortschritt" and before "Änderungen" and "Quellen", also without funding."""
    from cooperations.related import agreement_sections

    kv = agreement()
    InKindFactory(agreement=kv, people_count=2, fte=None)
    html = client.get(kv.get_absolute_url()).content.decode()
    heading = '<h2 class="kern-heading-medium" id="finanzierung-vereinbarung">Finanzierung</h2>'
    assert html.count(heading) == 1 and html.count('aria-labelledby="finanzierung-vereinbarung"') == 1
    assert html.index('id="massnahmen"') < html.index(heading) < html.index('id="quellen"')
    assert "2 Personen" in html
    assert [section.title for section in agreement_sections(kv, None)] == ["Finanzierung"]
    other = client.get(agreement("andere", "Andere").get_absolute_url()).content.decode()
    assert heading in other and "keine Finanzierungszusagen" in other


def test_a_drawdown_links_to_its_budget_lines_row_on_the_public_overview(client, django_assert_num_queries):
    drawdown = DrawdownFactory(status="ausgezahlt")
    drawdown = Drawdown.objects.get(pk=drawdown.pk)
    with django_assert_num_queries(0):
        url = drawdown.get_absolute_url()
    assert url == f"/finanzierung/#position-{drawdown.line_id}"  # a page, not the API's JSON
    html = client.get(url.split("#")[0]).content.decode()
    assert f'id="position-{drawdown.line_id}"' in html


def test_money_as_the_sources_say_on_the_overview(client):
    """Unknown is "nicht bekannt", never 0,00 €; an approximate sum shows ≈ with the source's wording; a yearly
    pledge without a year stands beside the total instead of being added into it."""
    for year in (2025, 2026):
        BudgetLineFactory(
            fiscal_year=year,
            year_is_stated=False,
            planned_amount=Decimal("3000000.00"),
            amount_is_approximate=True,
            amount_wording="knapp 3 Millionen Euro pro Jahr",
            payments_recorded=False,
        )
    BudgetLineFactory(
        fiscal_year=None, year_is_stated=False, planned_amount=Decimal("1500000.00"), payments_recorded=False
    )
    html = client.get(reverse("funding:overview")).content.decode()
    totals = html.split('id="summe"')[1].split("</section>")[0]
    assert (
        "≈" in totals and "6.000.000,00\xa0€" in totals and "(laut Quelle „knapp 3 Millionen Euro pro Jahr“)" in totals
    )
    assert "1.500.000,00\xa0€ pro Jahr, Jahre nicht genannt (nicht mitgezählt)" in totals
    assert "7.500.000,00" not in html
    assert totals.count(">nicht bekannt<") == 3 and ">0,00\xa0€" not in totals
    assert "Für 3 von 3 Positionen werden keine Mittelabrufe und Zahlungen erfasst" in totals


def test_no_drawdown_on_a_line_whose_payments_are_not_recorded():
    from django.core.exceptions import ValidationError

    from funding import services
    from tests.accounts.factories import role_user

    line = BudgetLineFactory(fiscal_year=2025, planned_amount=Decimal("100.00"), payments_recorded=False)
    with pytest.raises(ValidationError, match="keine Zahlungen erfasst"):
        services.drawdown_request(line=line, amount="10.00", purpose_text="Test", by=role_user("Finanzen"))
    assert not Drawdown.objects.exists()
