"""The register in the Django admin."""

import pytest
from django.contrib.auth import get_user_model

from organisations.models import Organisation


@pytest.fixture
def staff_client(client, db, verified_login):
    user = get_user_model().objects.create_superuser("admin", "admin@example.org", "geheim-und-lang-1")
    return verified_login(client, user)


def test_changelist_search_by_name_ars_ags_and_plz(staff_client, register):
    url = "/admin/organisations/organisation/"
    for query, expected in [
        ("Ascheffel", "010585890008"),
        ("010585890008", "010585890008"),
        ("01058008", "010585890008"),
    ]:
        response = staff_client.get(url, {"q": query})
        assert response.status_code == 200
        assert expected in response.content.decode()
    html = staff_client.get(url, {"q": "24358"}).content.decode()
    assert "3 Ergebnisse" in html or "3 results" in html


def test_changelist_filters_by_kind_and_kreis(staff_client, register):
    url = "/admin/organisations/organisation/"
    response = staff_client.get(url, {"kind": "amt", "kreis": "01058"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 13


def test_amt_change_page_shows_hierarchy_and_members(staff_client, register):
    amt = Organisation.objects.get(ars="010585890000")
    response = staff_client.get(f"/admin/organisations/organisation/{amt.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kreis Rendsburg-Eckernförde" in html and "Ascheffel" in html and "Gemeinden des Amts" in html
    # Imported keys are read-only, territorial bodies cannot be deleted.
    assert 'name="ars"' not in html
    assert staff_client.get(f"/admin/organisations/organisation/{amt.pk}/delete/").status_code == 403


def test_history_page(staff_client, register):
    body = Organisation.objects.get(slug="itvsh")
    response = staff_client.get(f"/admin/organisations/organisation/{body.pk}/history/")
    assert response.status_code == 200
