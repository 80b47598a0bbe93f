"""The main navigation marks exactly one tab as the current section (the longest URL the path lies under)."""

import pytest

from itvsh_portal.context_processors import navigation_items


@pytest.mark.parametrize(
    ("path", "active"),
    [
        ("/", "home"),
        ("/ozg/", "ozg_monitoring:dashboard"),
        ("/ozg/leistungen/", "ozg_monitoring:dashboard"),
        ("/ozg/online-erledigen/", "ozg_monitoring:lookup"),  # under /ozg/ too: only "Online erledigen"
        ("/ozg/online-erledigen/010545488005/", "ozg_monitoring:lookup"),
        ("/kommunen/010545488005/", "organisations:search"),
        ("/finanzierung/", "funding:overview"),
    ],
)
def test_exactly_one_tab_is_active(path, active):
    items = navigation_items(path)
    assert [item["name"] for item in items if item["active"]] == [active]


def test_no_tab_is_active_outside_the_sections():
    assert [item for item in navigation_items("/impressum/") if item["active"]] == []
