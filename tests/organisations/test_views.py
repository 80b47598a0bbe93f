"""Public pages: "Meine Kommune finden" (/kommunen/) and /kommunen/<key>/."""

import pytest
from django.urls import reverse

from organisations.models import Organisation
from organisations.related import RelatedSection, register_related_section, unregister_related_section
from tests.organisations.factories import AmtFactory, AmtsangehoerigeGemeindeFactory

SEARCH = "/kommunen/"


def test_url_names():
    assert reverse("organisations:search") == SEARCH
    assert reverse("organisations:detail", kwargs={"key": "010585890008"}) == "/kommunen/010585890008/"


def test_search_for_ascheffel_leads_to_its_page_naming_amt_and_kreis(client, register):
    response = client.get(SEARCH, {"q": "Ascheffel"}, follow=True)
    assert response.redirect_chain == [("/kommunen/010585890008/", 302)]
    html = response.content.decode()
    assert "<h1" in html and "Ascheffel" in html
    assert 'href="/kommunen/010585890000/">Amt Hüttener Berge</a>' in html
    assert 'href="/kommunen/010580000000/">Kreis Rendsburg-Eckernförde</a>' in html
    assert "974" in html and "10,39" in html and "30.11.2025" in html
    assert "Statistisches Bundesamt (Destatis)" in html
    assert 'role="img"' in html and "<title" in html and "map-highlight" in html


def test_plz_search_lists_the_gemeinden_of_that_plz(client, register):
    response = client.get(SEARCH, {"q": "24358"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "3 Treffer" in html
    for name in ("Ascheffel", "Ahlefeld-Bistensee", "Hütten"):
        assert name in html
    assert html.count('class="kern-table__row"') == 1 + 3


def test_name_search_lists_several_matches_ranked(client, register):
    response = client.get(SEARCH, {"q": "Hürup"})  # the Gemeinde and the Amt have the same name
    html = response.content.decode()
    assert response.status_code == 200
    assert '<a class="kern-link" href="/kommunen/010595919000/">Amt Hürup</a>' in html
    assert '<a class="kern-link" href="/kommunen/010595919126/">Hürup</a>' in html


def test_search_with_liste_does_not_redirect_and_csv_exports(client, register):
    response = client.get(SEARCH, {"q": "Ascheffel", "liste": "1"})
    assert response.status_code == 200 and "1 Treffer" in response.content.decode()
    response = client.get(SEARCH, {"q": "Föhr", "export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("Name;Art;ARS;AGS") and any("Amt Föhr-Amrum" in line for line in lines)


def test_empty_state(client, register):
    response = client.get(SEARCH, {"q": "Atlantis"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "0 Treffer" in html and "Keine Kommune gefunden" in html


@pytest.mark.parametrize(
    ("query", "message"),
    [("123", "weder eine fünfstellige Postleitzahl"), ("0105858900081", "hat 13 Ziffern"), ("a", "zwei Buchstaben")],
)
def test_malformed_input_shows_an_error(client, db, query, message):
    response = client.get(SEARCH, {"q": query})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and 'aria-invalid="true"' in html and "kern-alert--danger" in html


def test_unknown_kind_group_is_an_error(client, db):
    response = client.get(SEARCH, {"q": "Kiel", "art": "dorf"})
    assert response.status_code == 400 and "Unbekannte Art" in response.content.decode()


def test_start_page_lists_the_kreise(client, register):
    html = client.get(SEARCH).content.decode()
    assert (
        html.count('href="/kommunen/0100') + html.count('href="/kommunen/0105') + html.count('href="/kommunen/0106')
        >= 15
    )
    assert "Kreis Nordfriesland" in html


def test_search_query_count_is_constant(client, db, django_assert_num_queries, warm_notices):
    from organisations.selectors import REGISTER_READS

    amt = AmtFactory()
    AmtsangehoerigeGemeindeFactory.create_batch(5, amt=amt)
    # anything as typed? (else the closest names), count, page (which tells a unique exact match), Stand der Daten
    with django_assert_num_queries(4):
        assert client.get(SEARCH, {"q": "Testdorf"}).status_code == 200
    with django_assert_num_queries(0):  # the same search again: the cached page
        assert client.get(SEARCH, {"q": "Testdorf"}).status_code == 200
    AmtsangehoerigeGemeindeFactory.create_batch(40, amt=amt)
    REGISTER_READS.replace()  # the factories' writes replace it on commit, which a test's transaction never reaches
    with django_assert_num_queries(4):
        assert client.get(SEARCH, {"q": "Testdorf"}).status_code == 200
    # another order than best matches first asks for the unique exact match on its own
    with django_assert_num_queries(5):
        assert client.get(SEARCH, {"q": "Testdorf", "sortierung": "name"}).status_code == 200


def test_search_page_is_fresh_after_a_committed_write(client, db, django_capture_on_commit_callbacks):
    amt = AmtFactory()
    with django_capture_on_commit_callbacks(execute=True):
        AmtsangehoerigeGemeindeFactory.create_batch(2, amt=amt, name="Testdorf")
    assert client.get(SEARCH, {"q": "Testdorf"}).content.decode().count("/kommunen/0") >= 2
    with django_capture_on_commit_callbacks(execute=True):
        AmtsangehoerigeGemeindeFactory(amt=amt, name="Neuesdorf")
    assert "Neuesdorf" in client.get(SEARCH, {"q": "dorf"}).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        Organisation.objects.filter(name="Neuesdorf").update(name="Umbenannt")
    html = client.get(SEARCH, {"q": "dorf"}).content.decode()
    assert "Neuesdorf" not in html


def test_search_csv_is_never_the_cached_page(client, db):
    amt = AmtFactory()
    AmtsangehoerigeGemeindeFactory.create_batch(2, amt=amt, name="Testdorf")
    assert client.get(SEARCH, {"q": "Testdorf"})["Content-Type"].startswith("text/html")
    response = client.get(SEARCH, {"q": "Testdorf", "export": "csv"})
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]


def test_amt_page_lists_its_gemeinden_with_population(client, register):
    html = client.get("/kommunen/010545488000/").content.decode()
    assert "Amt Föhr-Amrum" in html and "15 Gemeinden im Amt" in html
    assert "Wyk auf Föhr" in html or "Wyk auf Föhr, Stadt" in html
    assert html.count("kern-table__cell--numeric") >= 30


def test_kreis_and_land_pages(client, register):
    html = client.get("/kommunen/010580000000/").content.decode()
    assert "Ämter und amtsfreie Gemeinden" in html and "Amt Hüttener Berge" in html
    html = client.get("/kommunen/010000000000/").content.decode()
    assert "Kreise und kreisfreie Städte" in html and "Kiel, Landeshauptstadt" in html
    html = client.get("/kommunen/010020000000/").content.decode()
    assert "kreisfrei" in html


def test_detail_by_slug_and_404s(client, register):
    assert client.get("/kommunen/itvsh/").status_code == 200
    assert client.get("/kommunen/010585890009/").status_code == 404
    assert client.get("/kommunen/0105/").status_code == 404


def test_detail_query_count(client, db, django_assert_num_queries, warm_notices):
    gemeinde = AmtsangehoerigeGemeindeFactory()
    # The body, plus one query per related section provider (its agreements, its Verwaltung's statuses, its
    # money), the Stand der Daten.
    with django_assert_num_queries(5):
        assert client.get(gemeinde.get_absolute_url()).status_code == 200
    AmtsangehoerigeGemeindeFactory.create_batch(20, amt=gemeinde.amt)
    with django_assert_num_queries(6):  # the Amt, its members, agreements, statuses, money, the Stand
        assert client.get(gemeinde.amt.get_absolute_url()).status_code == 200


def test_related_sections_hook(client, db, tmp_path, settings):
    gemeinde = AmtsangehoerigeGemeindeFactory()
    (tmp_path / "related_test.html").write_text("<p>Bezug: {{ section.context.text }} zu {{ body.name }}</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]

    def provider(body, request):
        return RelatedSection(title="Testbezug", template_name="related_test.html", context={"text": "Hallo"})

    register_related_section(provider)
    try:
        html = client.get(gemeinde.get_absolute_url()).content.decode()
    finally:
        unregister_related_section(provider)
    assert "Testbezug</h2>" in html and f"Bezug: Hallo zu {gemeinde.name}" in html
