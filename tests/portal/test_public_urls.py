"""One public URL vocabulary (common/pages.py): `seite` for the page, `export=csv` for the download; the old names
answer 301; one pagination partial; one breadcrumb trail; one FilterSet per list for page and API."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from common.messages import message
from common.pages import breadcrumbs, renamed_query

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


# --- old names redirect ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/kooperationen/?page=2", "/kooperationen/?seite=2"),
        ("/kooperationen/?kind=gesetz&format=csv", "/kooperationen/?kind=gesetz&export=csv"),
        ("/kommunen/?q=Kiel&format=csv", "/kommunen/?q=Kiel&export=csv"),
        ("/ozg/leistungen/?page=3&themenfeld=1", "/ozg/leistungen/?themenfeld=1&seite=3"),
        ("/kooperationen/?page=2&seite=3", "/kooperationen/?seite=3"),  # the new name wins
        ("/kommunen/?q=K%C3%B6nigsh%C3%BCgel&page=2", "/kommunen/?q=K%C3%B6nigsh%C3%BCgel&seite=2"),
    ],
)
def test_old_parameter_names_answer_301_to_the_new_url(client, old, new):
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == new
    assert client.head(old).status_code == 301


def test_the_redirect_comes_before_the_page_cache(client, settings):
    from ozg_monitoring.selectors import READS
    from tests.organisations.factories import AmtsangehoerigeGemeindeFactory

    gemeinde = AmtsangehoerigeGemeindeFactory()
    url = reverse("ozg_monitoring:lookup_gemeinde", args=[gemeinde.ars])
    READS.replace()
    assert client.get(url, {"seite": "1"}).status_code == 200  # the new name: rendered and cached
    response = client.get(url, {"page": "1"})  # the old name is no parameter the cache knows: it would drop it
    assert response.status_code == 301 and response["Location"] == f"{url}?seite=1"


def test_api_admin_and_writes_keep_their_names(client, admin_client):
    assert client.get("/api/v1/organisations/", {"page": "1", "format": "json"}).status_code == 200
    assert client.get("/api/v1/bund/v1/data/", {"page": "0", "size": "1"}).status_code == 200
    assert admin_client.get("/admin/organisations/organisation/", {"page": "1"}).status_code != 301
    assert client.post("/kooperationen/?page=2").status_code == 405  # not redirected: the view answers


def test_renamed_query():
    from django.http import QueryDict

    assert renamed_query(QueryDict("seite=2&export=csv")) is None
    assert renamed_query(QueryDict("page=2&page=3&q=x")).urlencode() == "q=x&seite=2&seite=3"


# --- one pagination, one page parameter ----------------------------------------------------------------------


def test_lists_paginate_with_seite_in_the_one_partial(client):
    from common.authorization import system_actor
    from cooperations import services

    for index in range(23):
        services.agreement_create(
            slug=f"e-{index:02d}", kind="sonstige", title=f"Entwurf {index:02d}", by=system_actor()
        )
    first = client.get("/kooperationen/", {"kind": "sonstige"})
    html = first.content.decode()
    assert 'nav class="portal-pagination" aria-label="Seitennavigation"' in html
    assert 'href="?kind=sonstige&amp;seite=2" rel="next"' in html
    assert 'href="?kind=sonstige&amp;export=csv"' in html  # the download keeps the filters, not the page
    second = client.get("/kooperationen/", {"kind": "sonstige", "seite": "2"})
    assert second.context["page_obj"].number == 2 and len(second.context["agreements"]) == 3


def test_one_pagination_and_no_query_helpers_left():
    assert not list((ROOT / "templates").rglob("_pagination.html"))
    apps = ("organisations", "cooperations", "ozg_monitoring", "funding", "opendata")
    views = [ROOT / app / "views.py" for app in apps]  # the API paginates with DRF
    helpers = [str(p.relative_to(ROOT)) for p in views if re.search(r"query_without_page|Paginator\(", p.read_text())]
    assert helpers == []
    templates = [p for p in (ROOT / "templates").rglob("*.html") if "admin" not in p.parts]
    own = [str(p.relative_to(ROOT)) for p in templates if re.search(r"[?&](?:amp;)?(?:page|seite)=\{\{", p.read_text())]
    assert own == []


# --- one breadcrumb trail --------------------------------------------------------------------------------------


def test_breadcrumbs_lead_from_the_start_page():
    assert breadcrumbs(("Kooperationen", "/kooperationen/"), ("Zeitleiste", "")) == [
        {"label": "Startseite", "url": "/"},
        {"label": "Kooperationen", "url": "/kooperationen/"},
        {"label": "Zeitleiste", "url": ""},
    ]


@pytest.mark.parametrize("path", ["/kommunen/", "/kooperationen/", "/ozg/", "/finanzierung/", "/opendata/"])
def test_every_section_builds_its_trail_with_the_one_helper(client, path):
    trail = client.get(path).context["breadcrumbs"]
    assert trail[0] == {"label": "Startseite", "url": "/"} and trail[-1]["url"] == ""


def test_no_view_builds_breadcrumbs_by_hand():
    views = list(ROOT.glob("*/views.py"))
    by_hand = [
        str(p.relative_to(ROOT)) for p in views if re.search(r"breadcrumbs\W+\[|def _(?:bread)?crumbs", p.read_text())
    ]
    assert by_hand == []


# --- one FilterSet per list, for page and API ------------------------------------------------------------------


@pytest.mark.parametrize(("name", "value"), [("themenfeld", "x"), ("lebenslage", "²"), ("themenfeld", "9" * 20)])
def test_lookup_page_and_api_answer_a_bad_filter_value_alike(client, name, value):
    from tests.organisations.factories import AmtsangehoerigeGemeindeFactory

    ars = AmtsangehoerigeGemeindeFactory().ars
    page = client.get(reverse("ozg_monitoring:lookup_gemeinde", args=[ars]), {name: value})
    api = client.get(f"/api/v1/ozg/gemeinden/{ars}/leistungen/", {name: value})
    assert page.status_code == 400 and api.status_code == 400
    assert list(page.context["form"].errors) == [name] and list(api.json()) == [name]
    assert page.context["form"].errors[name] == api.json()[name]  # the same message
    assert 'aria-invalid="true"' in page.content.decode() and api.json()[name][0] in page.content.decode()


def test_lookup_page_and_api_filter_alike(client):
    from tests.organisations.factories import AmtsangehoerigeGemeindeFactory
    from tests.ozg_monitoring.factories import LeikaLeistungFactory, OzgLeistungFactory

    ars = AmtsangehoerigeGemeindeFactory().ars
    wohngeld = OzgLeistungFactory(name="Mietzuschuss")
    LeikaLeistungFactory(ozg_leistung=wohngeld, name="Wohngeld Bewilligung")
    OzgLeistungFactory(name="Hundesteuer", themenfeld=wohngeld.themenfeld, lebenslage=wohngeld.lebenslage)
    for query in ({"q": "wohngeld"}, {"themenfeld": wohngeld.themenfeld.catalogue_id}, {}):
        page = client.get(reverse("ozg_monitoring:lookup_gemeinde", args=[ars]), query)
        api = client.get(f"/api/v1/ozg/gemeinden/{ars}/leistungen/", query).json()
        assert [row.leistung.ozg_id for row in page.context["rows"]] == [row["ozg_id"] for row in api["results"]]


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [("year", "morgen", "funding.year"), ("agreement", "gibt-es-nicht", None), ("source", "mond", None)],
)
def test_funding_page_and_api_answer_a_bad_filter_value_alike(client, name, value, code):
    page = client.get("/finanzierung/", {name: value})
    summary = client.get("/api/v1/funding/summary/", {name: value})
    lines = client.get("/api/v1/funding/lines/", {name: value})
    assert (page.status_code, summary.status_code, lines.status_code) == (400, 400, 400)
    assert list(page.context["form"].errors) == [name] == list(summary.json()) == list(lines.json())
    assert page.context["form"].errors[name] == summary.json()[name] == lines.json()[name]
    if code:
        assert summary.json()[name] == [message(code)]
    assert summary.json()[name][0] in page.content.decode()


def test_funding_page_and_api_filter_alike(client):
    from decimal import Decimal

    from tests.funding.factories import BudgetLineFactory

    BudgetLineFactory(fiscal_year=2025, planned_amount=Decimal("10.00"))
    BudgetLineFactory(fiscal_year=2026, planned_amount=Decimal("20.00"), status="geplant")
    BudgetLineFactory(fiscal_year=None, year_is_stated=False, planned_amount=Decimal("40.00"))
    for query in ({"year": "2026"}, {"year": "ohne"}, {"status": "geplant"}, {}):
        page = client.get("/finanzierung/", query)
        summary = client.get("/api/v1/funding/summary/", query).json()
        lines = client.get("/api/v1/funding/lines/", query).json()
        assert page.status_code == 200
        assert f"{page.context['total'].planned:.2f}" == summary["total"]["planned"]
        assert len(page.context["lines"]) == lines["count"]
