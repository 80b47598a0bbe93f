"""The page in Leichte Sprache explains the portal, the lookup (place, service, what the answer means, the next
step) and the dashboard, in the words the pages really show, and links to the lookup and the dashboard."""

import re

import pytest
from django.template.loader import get_template
from django.urls import reverse

pytestmark = pytest.mark.django_db
URL = "/leichte-sprache/"


@pytest.fixture
def html(client):
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_has_its_sections_and_a_table_of_contents(html):
    headings = re.findall(r'<h2 class="kern-heading-medium" id="([a-z]+)">', html)
    assert headings == ["was", "suchen", "antwort", "zahlen", "wer", "hilfe"]
    for anchor in headings:
        assert f'<a href="#{anchor}">' in html


def test_it_links_to_the_lookup_the_dashboard_the_home_form_and_the_report_form(html):
    for name in ("home", "ozg_monitoring:lookup", "ozg_monitoring:dashboard"):
        assert f'href="{reverse(name)}"' in html, name
    assert f'href="{reverse("barrierefreiheit")}#barriere-melden"' in html


def _template(name: str) -> str:
    return get_template(name).template.source


def test_it_quotes_the_words_the_pages_really_show(client, html):
    """Each „…“ quoted as a label of the UI must be on the page it describes: a renamed label fails here."""
    home = client.get(reverse("home")).content.decode()
    for words in ("Wo wohnen Sie?", "Was möchten Sie erledigen?", "Antwort anzeigen"):
        assert f"„{words}" in html and words in home, words
    lookup_gemeinde = _template("ozg_monitoring/lookup_gemeinde.html")
    columns = ("Leistung", "Zuständig", "Stand", "Online-Dienst")
    for words in (*columns, "Nur Leistungen, die ich hier online erledigen kann"):
        assert f"„{words}“" in html and words in lookup_gemeinde, words
    next_step = _template("ozg_monitoring/_next_step.html")
    for words in ("Noch nicht online", "Zum Angebot des Bundes", "Zuständigkeit noch nicht erfasst"):
        assert f"„{words}" in html and words in next_step, words
    from ozg_monitoring.models import Stage

    for label in Stage.labels:
        assert f"„{label}“" in html, label
    dashboard = _template("ozg_monitoring/dashboard.html") + _template("ozg_monitoring/_how_we_count.html")
    for words in ("Online erledigen, wo man wohnt", "So zählen wir", "OZG-Dashboard"):
        assert f"„{words}“" in html and words in dashboard, words


def test_sentences_are_short_and_address_the_reader_as_sie(html):
    body = html.split('<div class="portal-prose">', 1)[1].split("</div>\n</div>", 1)[0]
    text = re.sub(r"<[^>]+>", " ", body)
    sentences = [s.strip() for s in re.split(r"(?<=[.?!])\s+", " ".join(text.split())) if s.strip()]
    assert len(sentences) > 60
    long = [s for s in sentences if len(s.split()) > 16]
    assert long == [], long
    assert " du " not in f" {text.lower()} " and "Sie" in text
