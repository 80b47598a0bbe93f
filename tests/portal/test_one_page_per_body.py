"""One page per body connects everything (issue 16, point 3): the register page links the lookup and the OZG page
of its Verwaltung and lists its money; the OZG pages link back to the register page."""

import pytest
from django.urls import reverse

from tests.funding.factories import BudgetLineFactory
from tests.ozg_monitoring.conftest import territory  # noqa: F401 - fixture
from tests.ozg_monitoring.factories import OnlineStatusFactory, RolloutStatusFactory

pytestmark = pytest.mark.django_db


def test_the_register_page_of_a_gemeinde_links_her_answers(territory, client):  # noqa: F811
    OnlineStatusFactory(verwaltung=territory.foehr)
    RolloutStatusFactory(verwaltung=territory.foehr)
    page = client.get(territory.alkersum.get_absolute_url()).content.decode()
    assert reverse("ozg_monitoring:lookup_gemeinde", args=[territory.alkersum.ars]) in page
    assert reverse("ozg_monitoring:verwaltung_detail", args=[territory.foehr.ars]) in page
    assert "1 von 2 erfassten Leistungen online" in page


def test_the_ozg_pages_link_back_and_the_money_shows(territory, client):  # noqa: F811
    line = BudgetLineFactory(recipient=territory.foehr)
    for url in (
        reverse("ozg_monitoring:verwaltung_detail", args=[territory.foehr.ars]),
        reverse("ozg_monitoring:lookup_gemeinde", args=[territory.alkersum.ars]),
    ):
        assert "Register, Kooperationen, Finanzierung" in client.get(url).content.decode(), url
    page = client.get(territory.foehr.get_absolute_url()).content.decode()
    assert f"/finanzierung/#position-{line.pk}" in page and line.title in page
