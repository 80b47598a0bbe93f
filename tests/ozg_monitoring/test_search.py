"""The service search (ozg_monitoring/search.py) against a corpus of what citizens type: the service she means
comes first. The index is built in the process from the catalogue's names, so SQLite and PostgreSQL (CI) give the
same answers; this file runs on both."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from ozg_monitoring import search
from ozg_monitoring.models import OzgLeistung

pytestmark = pytest.mark.django_db

#: (what she types, the OZG-ID she means). Written as people phrase them: verbs, plurals, no umlauts, slang.
CORPUS = [
    ("Personalausweis beantragen", 10119),
    ("Perso", 10119),
    ("neuer Ausweis", 10119),
    ("Reisepass", 10177),
    ("Pass beantragen", 10177),
    ("Wohnsitz anmelden", 10124),
    ("Umzug", 10124),
    ("Wohnung ummelden", 10124),
    ("Meldebescheinigung", 10559),
    ("Gewerbe anmelden", 10294),
    ("Gewerbeanmeldung", 10294),
    ("Gewerbe abmelden", 10294),
    ("Firma gründen", 10294),
    ("Kfz", 10439),
    ("Auto anmelden", 10439),
    ("Auto ummelden", 10439),
    ("Auto abmelden", 10439),
    ("Kfz Zulassung", 10439),
    ("Wunschkennzeichen", 10436),
    ("Fuhrerschein", 10169),
    ("Führerschein umtauschen", 10169),
    ("Fahrerlaubnis", 10169),
    ("Wohngeld", 10092),
    ("Mietzuschuss", 10092),
    ("Elterngeld", 10000),
    ("Elterngeld beantragen", 10000),
    ("Bafoeg", 10056),
    ("BAföG Antrag", 10056),
    ("Unterhaltsvorschuss", 10035),
    ("Kindergeld", 10005),
    ("Baugenehmigung", 10519),
    ("Bauantrag stellen", 10519),
    ("Haus bauen", 10519),
    ("Hochzeit", 10026),
    ("heiraten", 10026),
    ("Eheschliessung", 10026),
    ("Geburtsurkunde", 10557),
    ("Sterbeurkunde", 10237),
    ("Hundesteuer", 10160),
    ("Hund anmelden", 10160),
    ("Aufenthaltstitel", 10255),
    ("Einbürgerung", 10257),
    ("Einbuergerung beantragen", 10257),
    ("Waffenbesitzkarte", 10151),
    ("Fischereischein", 10148),
    ("Angelschein", 10148),
    ("Bewohnerparkausweis", 10173),
    ("Anwohnerparken", 10173),
    ("Schwerbehindertenausweis", 10214),
    ("Behindertenausweis", 10214),
    ("Grundsicherung", 10084),
    ("Führungszeugnis", 10562),
]


@pytest.fixture(scope="module")
def catalogue(django_db_setup, django_db_blocker):
    """The shipped catalogue, loaded once for the module in a transaction rolled back at its end (as
    tests/portal/conftest.py does); each test runs in a savepoint of its own."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("import_ozg_catalogue", stdout=io.StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def test_the_corpus_is_large_enough():
    assert len(CORPUS) >= 40


@pytest.mark.parametrize(("query", "meant"), CORPUS)
def test_the_service_she_means_comes_first(catalogue, query, meant):
    ranked = list(OzgLeistung.objects.all().matching(query).values_list("ozg_id", flat=True)[:5])
    assert ranked and ranked[0] == meant, ranked


def test_stems_fold_and_filler_words():
    assert [term.own for term in search.terms("Ich möchte meinen Führerschein beantragen")] == ["fuhrerschein"]
    assert search.stem("ausweis") == "ausweis"
    assert search.stem("anmeldung") == search.stem("anmelden") == "anmeld"
    assert search.terms("beantragen bitte") == []


def test_nothing_found_is_an_empty_list(catalogue):
    assert not OzgLeistung.objects.all().matching("Xylophonunterricht").exists()


def test_the_lookup_ranks_her_service_first(catalogue, client, territory):
    url = reverse("ozg_monitoring:lookup_gemeinde", args=[territory.alkersum.ars])
    rows = client.get(url, {"q": "Auto ummelden"}).context["rows"]
    assert rows[0].leistung.ozg_id == 10439
