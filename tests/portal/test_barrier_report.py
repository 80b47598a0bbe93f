""" "Barriere melden" on the Erklärung zur Barrierefreiheit: a valid report reaches the configured contact as one
mail (text and HTML) and the page confirms it after a redirect; bad input is a 400 with German field errors and no
mail; a sixth report from one address within the hour is refused (429) and sends nothing; CSRF is checked."""

import pytest
from django.core import mail
from django.test import Client

pytestmark = pytest.mark.django_db
URL = "/barrierefreiheit/"
REPORT = {
    "name": "Erika Mustermann",
    "email": "erika@example.invalid",
    "page": "/ozg/leistungen/",
    "description": "Die Auswahl „Themenfeld“ ist mit der Tastatur nicht erreichbar.\nIch nutze einen Screenreader.",
}


@pytest.fixture(autouse=True)
def _contact(settings):
    settings.PORTAL_CONTACT_EMAIL = "kontakt@itvsh.example"
    settings.PORTAL_ACCESSIBILITY_EMAIL = "barrierefreiheit@itvsh.example"


def test_the_page_shows_the_form_and_the_beschwerdestelle(client):
    html = client.get(URL).content.decode()
    for text in (
        'name="csrfmiddlewaretoken"',
        '<label class="kern-label" for="id_description">Beschreibung der Barriere</label>',
        '<label class="kern-label" for="id_name">Ihr Name (freiwillig)</label>',
        '<label class="kern-label" for="id_email">Ihre E-Mail-Adresse (freiwillig)</label>',
        '<label class="kern-label" for="id_page">Adresse der Seite (freiwillig)</label>',
        "Beschwerdestelle für barrierefreie Informationstechnik",
        "§ 16 Landesbehindertengleichstellungsgesetz",
        'href="https://www.landtag.ltsh.de/beauftragte/beschwerdestelle-fuer-barrieren/"',
        "schlichtung@landtag.ltsh.de",
    ):
        assert text in html, text


def test_a_valid_report_is_mailed_with_text_and_html_and_confirmed_after_a_redirect(client):
    response = client.post(URL, REPORT)
    assert response.status_code == 302
    assert response["Location"] == "/barrierefreiheit/?gemeldet=1#barriere-gemeldet"
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["barrierefreiheit@itvsh.example"]
    assert sent.subject == "Barriere gemeldet: /ozg/leistungen/"
    assert "Die Auswahl „Themenfeld“ ist mit der Tastatur nicht erreichbar.\nIch nutze einen Screenreader." in sent.body
    assert "Name: Erika Mustermann" in sent.body and "E-Mail-Adresse: erika@example.invalid" in sent.body
    html, mimetype = sent.alternatives[0]
    assert mimetype == "text/html"
    assert "nicht erreichbar.<br>Ich nutze einen Screenreader." in html
    assert '<a href="mailto:erika@example.invalid">erika@example.invalid</a>' in html
    confirmation = client.get(response["Location"]).content.decode()
    assert "Vielen Dank, Ihre Meldung ist angekommen." in confirmation


def test_only_the_description_is_needed_and_the_contact_address_is_the_fallback(client, settings):
    settings.PORTAL_ACCESSIBILITY_EMAIL = ""
    assert client.post(URL, {"description": "Der Kontrast der Fußzeile ist zu schwach."}).status_code == 302
    sent = mail.outbox[0]
    assert sent.to == ["kontakt@itvsh.example"] and sent.subject == "Barriere gemeldet: ohne Seitenangabe"
    assert "Seite: nicht angegeben" in sent.body and "E-Mail-Adresse: nicht angegeben" in sent.body


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"description": "  "}, "description", "Bitte beschreiben Sie die Barriere."),
        ({**REPORT, "email": "keine-adresse"}, "email", "Eine gültige E-Mail-Adresse wird erwartet."),
        ({**REPORT, "description": "x" * 5001}, "description", "Höchstens 5000 Zeichen (es sind 5001)."),
        ({**REPORT, "page": "/ozg/\x07"}, "page", None),
    ],
)
def test_bad_input_is_a_400_with_the_german_error_on_its_field_and_no_mail(client, data, field, error):
    response = client.post(URL, data)
    assert response.status_code == 400
    errors = response.context["report_form"].errors
    assert list(errors) == [field]
    if error:
        assert errors[field] == [error]
        assert error in response.content.decode()
    html = response.content.decode()
    assert "Bitte prüfen Sie Ihre Angaben." in html and 'aria-invalid="true"' in html
    assert mail.outbox == []


def test_a_sixth_report_within_the_hour_is_refused_and_sends_nothing(client):
    for _ in range(5):
        assert client.post(URL, REPORT).status_code == 302
    response = client.post(URL, REPORT)
    assert response.status_code == 429
    html = response.content.decode()
    assert "Ihre Meldung wurde nicht gesendet." in html and "Minuten noch einmal" in html
    assert len(mail.outbox) == 5
    other = Client(REMOTE_ADDR="192.0.2.7")  # another address has its own count
    assert other.post(URL, REPORT).status_code == 302 and len(mail.outbox) == 6


def test_invalid_reports_are_not_counted(client):
    for _ in range(6):
        assert client.post(URL, {"description": ""}).status_code == 400
    assert client.post(URL, REPORT).status_code == 302


def test_without_any_contact_address_nothing_is_sent_and_the_page_says_so(client, settings):
    settings.PORTAL_ACCESSIBILITY_EMAIL = settings.PORTAL_CONTACT_EMAIL = ""
    assert 'id="id_description"' not in client.get(URL).content.decode()
    response = client.post(URL, REPORT)
    assert response.status_code == 503 and mail.outbox == []
    assert "Es fehlt die Adresse, an die es sendet." in response.content.decode()


def test_the_form_needs_its_csrf_token():
    client = Client(enforce_csrf_checks=True)
    assert client.post(URL, REPORT).status_code == 403
    page = client.get(URL)
    token = page.context["csrf_token"]
    assert client.post(URL, {**REPORT, "csrfmiddlewaretoken": str(token)}).status_code == 302
    assert len(mail.outbox) == 1
