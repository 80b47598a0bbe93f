"""The dashboard's headline that answers a citizen (issue 16, point 5): the share of residents whose responsible
Verwaltung offers a Leistung online, its median over the Leistungen with a known Zuständigkeit, the distribution,
per Themenfeld; and the map's values on a page of their own."""

import pytest
from django.urls import reverse

from organisations.models import Organisation
from ozg_monitoring.models import ExecutingLevel
from ozg_monitoring.selectors import READS, RESPONSIBILITY, dashboard_data

from .factories import OnlineStatusFactory, OzgLeistungFactory

pytestmark = pytest.mark.django_db


def _population(*orgs):
    return sum(Organisation.objects.get(pk=org.pk).population or 0 for org in orgs)


def test_the_share_of_residents_reached_where_they_live(territory):
    land = Organisation.objects.get(pk=territory.land.pk)
    land.population = 1_000_000
    land.save(update_fields=["population"])
    amt_level = OzgLeistungFactory(level=ExecutingLevel.AMT_GEMEINDE)  # a level set by staff: trusted
    kreis_level = OzgLeistungFactory(level=ExecutingLevel.KREIS)
    OzgLeistungFactory(level=ExecutingLevel.AMT_GEMEINDE, level_source="default")  # not recorded: not counted
    OnlineStatusFactory(leistung=amt_level, verwaltung=territory.foehr)  # her Amt: Alkersum's residents
    OnlineStatusFactory(leistung=kreis_level, verwaltung=territory.husum)  # not the Kreis: nobody reached
    READS.replace()
    RESPONSIBILITY.replace()
    residents = dashboard_data()["residents"]
    assert residents["population"] == 1_000_000 and residents["leistungen"] == 2
    reached = 100 * _population(territory.alkersum) / 1_000_000
    assert residents["median"] == pytest.approx(reached / 2)  # the median of (reached, 0)
    assert residents["none"] == 1
    assert sum(step["count"] for step in residents["steps"]) == 2


def test_the_dashboard_leads_with_it_and_labels_the_federal_count(territory, client):
    OnlineStatusFactory(leistung=OzgLeistungFactory(level=ExecutingLevel.KREIS), verwaltung=territory.nf)
    page = client.get(reverse("ozg_monitoring:dashboard")).content.decode()
    assert page.index("Online erledigen, wo man wohnt") < page.index("Kennzahlen")
    assert "Zählweise des Bundes-Dashboards" in page
    assert "zählen ihre Menschen als nicht erreicht" in page  # So zählen wir


def test_the_map_values_have_a_page_of_their_own(territory, client):
    response = client.get(reverse("ozg_monitoring:verwaltung_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="{territory.foehr.ars}/"' in page and "Stand der Daten" in page
    dashboard = client.get(reverse("ozg_monitoring:dashboard")).content.decode()
    assert reverse("ozg_monitoring:verwaltung_list") in dashboard
