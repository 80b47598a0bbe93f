"""One base viewset (common.api.PortalViewSet): every API viewset derives from it and keeps its lookup pattern, its
strict ordering and the permission policy; an unknown `ordering` is a 400 on every list."""

import pytest
from rest_framework.test import APIClient

from common.api import LOOKUP_ANY_SEGMENT, StrictOrderingFilter
from common.viewsets import PortalViewSet
from itvsh_portal.api import router
from itvsh_portal.permissions import PortalPolicy
from tests.ozg_monitoring.factories import ThemenfeldFactory

VIEWSETS = sorted({viewset for _prefix, viewset, _basename in router.registry}, key=lambda cls: cls.__name__)
LIST_ROUTES = sorted(f"/api/v1/{prefix}/" for prefix, _viewset, _basename in router.registry)


def test_the_router_holds_the_viewsets_of_every_app():
    assert len(VIEWSETS) >= 12
    assert {cls.__module__.split(".")[0] for cls in VIEWSETS} == {
        "organisations",
        "cooperations",
        "ozg_monitoring",
        "funding",
    }


@pytest.mark.parametrize("viewset", VIEWSETS, ids=lambda cls: cls.__name__)
def test_every_viewset_derives_from_the_base_and_keeps_what_it_fixes(viewset):
    assert issubclass(viewset, PortalViewSet)
    assert viewset.lookup_value_regex == LOOKUP_ANY_SEGMENT
    assert StrictOrderingFilter in viewset.filter_backends
    assert list(viewset.permission_classes)[:1] == [PortalPolicy]
    # Nothing in the apps restates what the base fixes.
    for name in ("lookup_value_regex", "filter_backends", "permission_classes"):
        assert name not in vars(viewset), f"{viewset.__name__} sets {name}"


@pytest.mark.django_db
@pytest.mark.parametrize("url", LIST_ROUTES)
def test_an_unknown_ordering_is_a_400_naming_the_parameter(url):
    response = APIClient().get(url, {"ordering": "gibt_es_nicht"})
    assert response.status_code == 400, response.content
    (text,) = response.json()["ordering"]
    assert text.startswith("Unbekannte Sortierung „gibt_es_nicht“; erlaubt: ")


@pytest.mark.django_db
def test_a_known_ordering_still_sorts():
    for number, name in enumerate(["Bauen & Wohnen", "Arbeit & Ruhestand", "Umwelt"], start=1):
        ThemenfeldFactory(catalogue_id=number, name=name)
    response = APIClient().get("/api/v1/ozg/themenfelder/", {"ordering": "-name"})
    assert response.status_code == 200
    names = [row["name"] for row in response.json()["results"]]
    assert names == ["Umwelt", "Bauen & Wohnen", "Arbeit & Ruhestand"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", LIST_ROUTES)
def test_a_malformed_key_gets_the_api_answer_not_the_html_page(url):
    response = APIClient().get(f"{url}1.5/")
    assert response.status_code in (400, 404)
    assert response["Content-Type"].startswith("application/json")
