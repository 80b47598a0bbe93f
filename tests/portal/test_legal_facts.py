"""Impressum, Datenschutzerklärung and Erklärung zur Barrierefreiheit take every operator fact from settings."""

import pytest

from itvsh_portal import checks
from itvsh_portal.views import OPERATOR_FACT_SETTINGS
from tests.portal.test_health import OPERATOR_FACTS

# Which fact appears on which page.
PAGES = {
    "/impressum/": [
        "PORTAL_OPERATOR_ADDRESS",
        "PORTAL_OPERATOR_REPRESENTATIVE",
        "PORTAL_OPERATOR_BOARD_CHAIR",
        "PORTAL_SUPERVISORY_AUTHORITY",
        "PORTAL_CONTACT_EMAIL",
        "PORTAL_CONTACT_PHONE",
        "PORTAL_CONTENT_RESPONSIBLE",
    ],
    "/datenschutz/": [
        "PORTAL_OPERATOR_ADDRESS",
        "PORTAL_CONTACT_EMAIL",
        "PORTAL_DATA_PROTECTION_OFFICER",
        "PORTAL_LOG_RETENTION",
        "PORTAL_HOSTING_PROVIDER",
    ],
    "/barrierefreiheit/": ["PORTAL_CONTACT_EMAIL", "PORTAL_CONTACT_PHONE", "PORTAL_OPERATOR_ADDRESS"],
}


@pytest.fixture
def operator_facts(settings, warm_notices):
    for name, value in OPERATOR_FACTS.items():
        setattr(settings, name, value)
    return OPERATOR_FACTS


def test_every_fact_the_check_requires_is_shown_somewhere():
    shown = {name for names in PAGES.values() for name in names}
    assert shown == set(checks.OPERATOR_FACTS)
    assert set(OPERATOR_FACT_SETTINGS.values()) == set(checks.OPERATOR_FACTS) - {"PORTAL_CONTACT_EMAIL"} | {
        "PORTAL_VAT_ID"
    }


@pytest.mark.parametrize("path", PAGES)
def test_legal_pages_show_the_operator_facts_and_no_placeholder(client, operator_facts, path):
    html = client.get(path).content.decode()
    for name in PAGES[path]:
        assert operator_facts[name] in html, name
    assert "portal-placeholder" not in html


@pytest.mark.parametrize("path", PAGES)
def test_without_facts_each_one_is_a_marked_placeholder(client, settings, warm_notices, path):
    for name in checks.OPERATOR_FACTS:
        setattr(settings, name, "")
    html = client.get(path).content.decode()
    assert html.count('class="portal-placeholder"') == len(PAGES[path])
    for value in OPERATOR_FACTS.values():
        assert value not in html


def test_vat_id_appears_only_where_the_operator_has_one(client, operator_facts, settings):
    assert "Umsatzsteuer-Identifikationsnummer" not in client.get("/impressum/").content.decode()
    settings.PORTAL_VAT_ID = "DE000000000"
    html = client.get("/impressum/").content.decode()
    assert "Umsatzsteuer-Identifikationsnummer nach § 27a Umsatzsteuergesetz:\n    DE000000000" in html


def test_facts_are_escaped_and_keep_their_line_breaks(client, settings, warm_notices):
    settings.PORTAL_OPERATOR_ADDRESS = "Musterstraße 1\n24103 Kiel <script>"
    html = client.get("/impressum/").content.decode()
    assert "Musterstraße 1<br>24103 Kiel &lt;script&gt;" in html
