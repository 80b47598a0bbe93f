import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from common.authorization import system_actor
from organisations.models import Organisation
from ozg_monitoring.models import ExecutingLevel, Fokusleistung, RolloutPlan, RolloutStatus, RolloutTarget
from ozg_monitoring.services import rollout_status_update, snapshot_create
from tests.organisations.factories import AmtsangehoerigeGemeindeFactory

from .factories import LeikaLeistungFactory, OnlineStatusFactory, OzgLeistungFactory, RolloutStatusFactory

pytestmark = pytest.mark.django_db


def populate(territory, n):
    """n Leistungen per level, online in Föhr-Amrum/Nordfriesland, planned in Husum/Kiel."""
    for _ in range(n):
        amt_level = OzgLeistungFactory(level=ExecutingLevel.AMT_GEMEINDE)
        kreis_level = OzgLeistungFactory(level=ExecutingLevel.KREIS)
        OnlineStatusFactory(leistung=amt_level, verwaltung=territory.foehr)
        RolloutStatusFactory(leistung=amt_level, verwaltung=territory.husum)
        OnlineStatusFactory(leistung=kreis_level, verwaltung=territory.nf)
        RolloutStatusFactory(leistung=kreis_level, verwaltung=territory.kiel)
    leistung = OzgLeistungFactory(level=ExecutingLevel.KREIS)
    Fokusleistung.objects.get_or_create(year=2026, leistung=leistung)
    plan, _ = RolloutPlan.objects.get_or_create(name="Roll-out-Plan 2026", slug="rollout-2026", year=2026)
    RolloutTarget.objects.create(plan=plan, leistung=leistung, verwaltung=territory.nf, due="2026-06-30")


def test_dashboard_shows_figures_maps_and_tables(client, territory):
    populate(territory, 3)
    snapshot_create(date=datetime.date(2026, 1, 1), by=system_actor())
    response = client.get(reverse("ozg_monitoring:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('role="img"') >= 4  # bars, two maps, time series
    assert "So zählen wir" in html and "Nordfriesland" in html and "Roll-out-Plan 2026" in html
    assert response.context["data"]["leistungen_online"] == 6


def test_dashboard_draws_with_the_shared_chart_and_map_builders(client, territory):
    populate(territory, 3)
    snapshot_create(date=datetime.date(2026, 1, 1), by=system_actor())
    context = client.get(reverse("ozg_monitoring:dashboard")).context
    kreise = {row["key"]: row for row in context["data"]["kreise"]}
    nf = kreise[territory.nf.ars[:5]]
    kreis_map, unit_map = str(context["kreis_map"]), str(context["unit_map"])
    for svg in (kreis_map, unit_map):  # organisations.maps: shared layers, 5 steps, legend inside the SVG
        assert 'class="portal-map itvsh-map itvsh-map--choropleth map-steps-5"' in svg and 'role="img"' in svg
        assert '<g class="map-legend"' in svg and "0\u00a0%–20\u00a0%" in svg and "80\u00a0%–100\u00a0%" in svg
    assert kreis_map.count("<path ") == 15 and unit_map.count("<path ") == 171  # one path per region
    assert kreis_map.count('<g class="map-region map-') <= 6  # class and fill once per colour step
    assert nf["share"] == 75.0 and "Nordfriesland: 75,0\u00a0%" in kreis_map  # 3 of 4 Kreis-Leistungen
    for name in ("themenfeld_chart", "fokus_chart", "series_chart"):  # common.charts
        assert str(context[name]).startswith("<svg") and 'class="portal-chart' in str(context[name])
    bars, first = str(context["themenfeld_chart"]), context["data"]["themenfelder"][0]
    assert '<rect class="chart-bar series-1"' in bars and f">{first['share']:.1f}\u00a0%<".replace(".", ",") in bars
    # Entwicklung: one series (no two meanings on one axis) whose last point "heute" is the headline figure.
    series_chart, online_now = str(context["series_chart"]), context["data"]["online_total"]
    assert series_chart.count('class="chart-series"') == 1 and 'data-series="Onlinedienste"' in series_chart
    assert 'chart-value--last" x="100%" y=' in series_chart
    assert series_chart.split('chart-value--last"', 1)[1].split(">", 1)[1].startswith(f"{online_now}<")
    assert ">heute</text>" in series_chart


def test_dashboard_query_count_is_constant_and_cached(
    client, territory, django_assert_max_num_queries, django_assert_num_queries
):
    populate(territory, 2)
    with django_assert_max_num_queries(25) as first:  # the first render also resolves who serves whom
        client.get(reverse("ozg_monitoring:dashboard"))
    small = len(first.captured_queries)
    with django_assert_num_queries(0):
        client.get(reverse("ozg_monitoring:dashboard"))
    populate(territory, 10)
    from ozg_monitoring.selectors import FRAME, READS, RESPONSIBILITY

    READS.replace()
    RESPONSIBILITY.replace()  # populate wrote Leistungen: who serves whom is computed anew too
    FRAME.replace()  # and the dashboard's catalogue
    with django_assert_num_queries(small):
        client.get(reverse("ozg_monitoring:dashboard"))


def test_dashboard_reflects_a_saved_change_immediately(client, territory, django_capture_on_commit_callbacks):
    leistung = OzgLeistungFactory(level=ExecutingLevel.AMT_GEMEINDE)
    first = client.get(reverse("ozg_monitoring:dashboard"))
    assert first.context["data"]["online_total"] == 0
    assert client.get(reverse("ozg_monitoring:dashboard")).content == first.content  # served from the page cache
    with django_capture_on_commit_callbacks(execute=True):
        rollout_status_update(
            leistung=leistung,
            verwaltung=territory.foehr,
            changes={"stage": "online", "maturity_level": 2, "url": "https://x.example"},
            by=system_actor(),
        )
    assert client.get(reverse("ozg_monitoring:dashboard")).context["data"]["online_total"] == 1


def test_lookup_finds_gemeinde_and_redirects_on_single_match(client, territory):
    response = client.get(reverse("ozg_monitoring:lookup"), {"ort": "Alkersum"})
    assert response.status_code == 302
    assert response["Location"] == reverse("ozg_monitoring:lookup_gemeinde", args=[territory.alkersum.ars])


def test_place_search_is_cached_redirect_and_page(client, territory, django_assert_num_queries, warm_notices):
    """The place search of the home page: a place naming one Gemeinde redirects, the second time without a query
    (`unique_place`); a list of places (a PLZ of two Gemeinden) is a cached page."""
    from organisations.selectors import REGISTER_READS

    lookup = reverse("ozg_monitoring:lookup")
    target = reverse("ozg_monitoring:lookup_gemeinde", args=[territory.alkersum.ars])
    assert client.get(lookup, {"ort": "Alkersum"})["Location"] == target
    with django_assert_num_queries(0):
        assert client.get(lookup, {"ort": "Alkersum", "q": "Wohngeld"})["Location"] == target + "?q=Wohngeld"
    Organisation.objects.filter(pk=territory.husum.pk).update(postal_code="25938")
    REGISTER_READS.replace()  # as the commit of a register write would
    from ozg_monitoring.selectors import READS

    READS.replace()
    first = client.get(lookup, {"ort": "25938"})
    assert first.status_code == 200 and "Husum" in first.content.decode() and "Alkersum" in first.content.decode()
    with django_assert_num_queries(0):
        assert client.get(lookup, {"ort": "25938"}).content == first.content


def test_place_search_follows_a_committed_register_write(client, territory, django_capture_on_commit_callbacks):
    lookup = reverse("ozg_monitoring:lookup")
    assert client.get(lookup, {"ort": "Alkersum"}).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        AmtsangehoerigeGemeindeFactory(amt=territory.foehr, number="006", name="Alkersum")
    response = client.get(lookup, {"ort": "Alkersum"})
    assert response.status_code == 200 and response.content.decode().count("Alkersum") >= 2


def test_lookup_page_lists_services_with_links(client, territory):
    wohngeld = OzgLeistungFactory(level=ExecutingLevel.KREIS, name="Wohngeld")
    OnlineStatusFactory(leistung=wohngeld, verwaltung=territory.nf, url="https://nf.example/wohngeld")
    OzgLeistungFactory(level=ExecutingLevel.AMT_GEMEINDE, name="Gewerbeanmeldung")
    url = reverse("ozg_monitoring:lookup_gemeinde", args=[territory.alkersum.ars])
    html = client.get(url).content.decode()
    assert 'href="https://nf.example/wohngeld"' in html and "Gewerbeanmeldung" in html
    rows = client.get(url, {"q": "Gewerbe"}).context["rows"]
    assert [row.leistung.name for row in rows] == ["Gewerbeanmeldung"]


def test_lookup_query_count_is_constant(client, territory, django_assert_num_queries, settings):
    from ozg_monitoring.selectors import READS

    settings.PORTAL_NOTICE_PROVIDERS = ["ozg_monitoring.selectors.portal_notices"]

    url = reverse("ozg_monitoring:lookup_gemeinde", args=[territory.alkersum.ars])
    populate(territory, 2)

    def measure():
        READS.replace()  # a fresh render, not the page cache
        # gemeinde, count, page, Zuständigkeit rows, exceptions, Land, statuses, their last link checks,
        # Themenfelder, Lebenslagen, demo flag, Stand der Daten
        with django_assert_num_queries(12) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    measure()
    with django_assert_num_queries(0):
        client.get(url)  # the same page again: from the page cache
    populate(territory, 20)
    for leistung in OzgLeistungFactory._meta.model.objects.all()[:10]:
        LeikaLeistungFactory(ozg_leistung=leistung)
    measure()


def test_lookup_filters_by_themenfeld_and_keeps_the_filter_in_the_pagination(client, territory):
    from .factories import LebenslageFactory

    arbeit, bauen = LebenslageFactory(themenfeld__name="Arbeit & Ruhestand"), LebenslageFactory()
    for number in range(30):
        OzgLeistungFactory(lebenslage=arbeit, level=ExecutingLevel.KREIS, name=f"Arbeit {number:02d}")
    wohngeld = OzgLeistungFactory(lebenslage=arbeit, level=ExecutingLevel.KREIS, name="Wohngeld")
    OnlineStatusFactory(leistung=wohngeld, verwaltung=territory.nf, url="https://nf.example/wohngeld")
    OzgLeistungFactory(lebenslage=bauen, level=ExecutingLevel.KREIS, name="Baugenehmigung")
    url = reverse("ozg_monitoring:lookup_gemeinde", args=[territory.alkersum.ars])
    themenfeld = arbeit.themenfeld.catalogue_id

    first = client.get(url, {"themenfeld": themenfeld})
    assert first.context["page"].paginator.count == 31 and len(first.context["rows"]) == 25
    assert {row.leistung.themenfeld_id for row in first.context["rows"]} == {arbeit.themenfeld_id}
    html = first.content.decode()
    assert f'<option value="{themenfeld}" selected>Arbeit &amp; Ruhestand</option>' in html
    next_link = f'href="?themenfeld={themenfeld}&amp;seite=2" rel="next"'
    assert next_link in html  # the filter travels with the page number

    second = client.get(url, {"themenfeld": themenfeld, "seite": 2})
    names = [row.leistung.name for row in second.context["rows"]]
    assert names == ["Arbeit 25", "Arbeit 26", "Arbeit 27", "Arbeit 28", "Arbeit 29", "Wohngeld"]
    assert 'href="https://nf.example/wohngeld"' in second.content.decode()
    assert f'href="?themenfeld={themenfeld}&amp;seite=1" rel="prev"' in second.content.decode()
    # A malformed value (letters, superscript digits, beyond the column) is a 400: the page with the form error on
    # the field (its label names it), as the API answers 400 for the same value (the one LookupFilter).
    for wrong in ("x", "²", "99999999999999999999"):
        response = client.get(url, {"themenfeld": wrong})
        assert response.status_code == 400
        assert set(response.context["form"].errors) == {"themenfeld"}
        assert "Themenfeld: Eine ganze Zahl" in response.content.decode() or "Themenfeld: Die Zahl darf" in (
            response.content.decode()
        )


def test_lookup_with_themenfeld_costs_the_same_queries_and_is_cached_per_url(
    client, territory, django_assert_num_queries, settings
):
    from ozg_monitoring.selectors import READS

    settings.PORTAL_NOTICE_PROVIDERS = ["ozg_monitoring.selectors.portal_notices"]
    populate(territory, 2)
    themenfeld = OzgLeistungFactory._meta.model.objects.first().themenfeld.catalogue_id
    url = reverse("ozg_monitoring:lookup_gemeinde", args=[territory.alkersum.ars])

    def measure(params):
        READS.replace()  # a fresh render, not the page cache
        # gemeinde, count, page, 2 Zuständigkeit, Land, statuses, link checks, 2 selects, demo, Stand der Daten
        with django_assert_num_queries(12):
            response = client.get(url, params)
        return response

    filtered = measure({"themenfeld": themenfeld})
    with django_assert_num_queries(0):
        assert client.get(url, {"themenfeld": themenfeld}).content == filtered.content  # cached per URL
    with django_assert_num_queries(11):  # another URL renders anew (the demo flag is still cached)
        unfiltered = client.get(url)
    assert unfiltered.context["page"].paginator.count > filtered.context["page"].paginator.count
    populate(territory, 20)
    measure({"themenfeld": themenfeld, "seite": 1})


def test_status_list_page_query_count_is_constant_and_csv(client, territory, django_assert_num_queries):
    url = reverse("ozg_monitoring:status_list")
    populate(territory, 2)
    client.get(url)
    # count, page, Stand der Daten, and the names of the filter's Themenfeld and Lebenslage selects
    with django_assert_num_queries(5):
        client.get(url)
    populate(territory, 20)
    with django_assert_num_queries(5):
        response = client.get(url)
    assert response.context["page"].paginator.count == 88
    csv_response = client.get(url, {"export": "csv", "ars": territory.foehr.ars})
    assert len(csv_response.content.decode().splitlines()) == 1 + 22


def test_leistung_and_verwaltung_pages(client, territory):
    leistung = OzgLeistungFactory(level=ExecutingLevel.AMT_GEMEINDE, name="Hundesteuer")
    rollout_status_update(
        leistung=leistung,
        verwaltung=territory.foehr,
        changes={"stage": "online", "maturity_level": 3, "url": "https://foehr.example/hund"},
        by=system_actor(),
    )
    html = client.get(reverse("ozg_monitoring:leistung_detail", args=[leistung.ozg_id])).content.decode()
    assert "https://foehr.example/hund" in html and "in mindestens einer Kommune" in html
    response = client.get(reverse("ozg_monitoring:verwaltung_detail", args=[territory.foehr.ars]))
    assert response.status_code == 200
    assert "Hundesteuer" in response.content.decode()
    assert response.context["comparison"]["peers"] == 1
    assert client.get(reverse("ozg_monitoring:verwaltung_detail", args=[territory.alkersum.ars])).status_code == 404
    assert client.get(reverse("ozg_monitoring:leistung_list"), {"export": "csv"}).status_code == 200


def test_leistung_page_lists_the_verwaltungen_online_a_page_at_a_time(
    client, territory, monkeypatch, django_assert_num_queries
):
    """Germany has thousands of Verwaltungen: the page lists those offering the Leistung online a page at a time (by
    key), says how many there are in all, and counts the statuses by stage in the database."""
    from ozg_monitoring.selectors import READS
    from ozg_monitoring.views import LeistungDetailView

    monkeypatch.setattr(LeistungDetailView, "ONLINE_PER_PAGE", 2)
    leistung = OzgLeistungFactory(level=ExecutingLevel.AMT_GEMEINDE, name="Hundesteuer")
    units = sorted([territory.foehr, territory.husum, territory.kiel], key=lambda unit: unit.ars)
    for unit in units:
        OnlineStatusFactory(leistung=leistung, verwaltung=unit)
    RolloutStatusFactory(leistung=leistung, verwaltung=territory.nf, stage="geplant")
    url = reverse("ozg_monitoring:leistung_detail", args=[leistung.ozg_id])
    first = client.get(url)
    assert [status.verwaltung for status in first.context["online"]] == units[:2]
    html = first.content.decode()
    assert "Online-Dienste in 3 Verwaltungen anzeigen" in html and "3 Verwaltungen, hier 1 bis 2" in html
    assert 'href="?seite=2"' in html and '<details class="kern-accordion">' in html
    assert dict(first.context["stage_counts"]) == {
        "nicht geplant": 0,
        "geplant": 1,
        "in Umsetzung": 0,
        "online verfügbar": 3,
        "Ende-zu-Ende digital": 0,
    }
    second = client.get(url, {"seite": 2})
    assert [status.verwaltung for status in second.context["online"]] == units[2:]
    assert '<details class="kern-accordion" open>' in second.content.decode()  # she sees the page she asked for
    # The queries do not grow with the Verwaltungen online (each render afresh: the cached page replaced first).
    READS.replace()
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).context["online"].paginator.count == 3
    for unit in (territory.nf, territory.land):
        RolloutStatus.objects.filter(leistung=leistung, verwaltung=unit).delete()
        OnlineStatusFactory(leistung=leistung, verwaltung=unit)
    READS.replace()
    with django_assert_num_queries(len(few)):
        assert client.get(url).context["online"].paginator.count == 5


def test_beispieldaten_notice_while_demo_data_are_present(client, territory, settings):
    settings.PORTAL_NOTICE_PROVIDERS = ["ozg_monitoring.selectors.portal_notices"]
    assert "Beispieldaten" not in client.get(reverse("ozg_monitoring:lookup")).content.decode()
    OnlineStatusFactory(verwaltung=territory.foehr, is_demo=True)
    from ozg_monitoring.selectors import READS

    READS.replace()
    html = client.get(reverse("ozg_monitoring:lookup")).content.decode()
    assert "Beispieldaten" in html and "erfundene Beispieldaten" in html


def test_cached_pages_show_a_plan_edit_at_once(client, django_capture_on_commit_callbacks):
    from tests.organisations.factories import AmtFactory

    amt = AmtFactory()
    url = reverse("ozg_monitoring:verwaltung_detail", kwargs={"ars": amt.ars})
    assert 'id="plaene"' not in client.get(url).content.decode()  # now cached
    leistung = OzgLeistungFactory()
    with django_capture_on_commit_callbacks(execute=True):
        plan = RolloutPlan.objects.create(name="Roll-out-Plan 2027", slug="rollout-2027", year=2027)
        RolloutTarget.objects.create(plan=plan, leistung=leistung, verwaltung=amt, due="2027-06-30")
    assert 'id="plaene"' in client.get(url).content.decode()


def test_ozg_pages_name_the_catalogue_source_and_maps_their_attribution(client, territory):
    """Every OZG page names where the Leistungskatalog comes from; every map carries the BKG attribution."""
    leistung = OzgLeistungFactory()
    urls = ["/ozg/", "/ozg/leistungen/", f"/ozg/leistungen/{leistung.ozg_id}/", "/ozg/umsetzungsstaende/"]
    urls.append(reverse("ozg_monitoring:verwaltung_detail", args=[territory.foehr.ars]))
    for url in urls:
        html = client.get(url).content.decode()
        assert "OZG-Umsetzungskatalog (BMI/FITKO)" in html and "Stand 2019" in html, url
        assert "Die Quelle gibt keine Lizenz an." in html, url
    dashboard = client.get("/ozg/").content.decode()
    assert dashboard.count("© GeoBasis-DE / BKG 2021") == dashboard.count('class="portal-map ') == 2
