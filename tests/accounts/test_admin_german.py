"""The admin in German, also for a browser that asks for English (accounts/admin_site.py): Django's own texts,
the filter widget's JavaScript catalog, django-axes' list of login attempts (accounts/admin.py), django-otp's
app names, and a 403 inside the admin in the admin's layout."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from cooperations.models import Topic

from .factories import StaffUserFactory, role_user
from .helpers import verified_client_login

pytestmark = pytest.mark.django_db

ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


@pytest.fixture
def superuser(client):
    verified_client_login(client, StaffUserFactory(is_superuser=True))
    return client


def test_admin_answers_an_english_browser_in_german(superuser):
    response = superuser.get(reverse("admin:index"), **ENGLISH_BROWSER)
    text = response.text
    assert response.status_code == 200 and response["Content-Language"] == "de"
    assert "Abmelden" in text and "Log out" not in text
    assert "Was jetzt zu tun ist" in text


def test_filter_widget_catalog_is_german(superuser):
    response = superuser.get(reverse("admin:jsi18n"), **ENGLISH_BROWSER)
    assert response.status_code == 200
    assert '"Choose all": "Alle ausw\\u00e4hlen"' in response.text or '"Choose all": "Alle auswählen"' in response.text


def test_login_page_is_german_for_an_english_browser(client):
    text = client.get(reverse("admin:login"), **ENGLISH_BROWSER).text
    assert "Anmelden" in text and "Log in" not in text


def test_otp_apps_have_german_names(superuser):
    text = superuser.get(reverse("admin:index"), **ENGLISH_BROWSER).text
    assert "Zweiter Faktor: Notfallcodes" in text and "Zweiter Faktor: Authenticator-Apps" in text
    assert "Notfallcode-Geräte" in text
    for english in ("Otp_Static", "OTP_STATIC", "Static devices", "TOTP devices"):
        assert english not in text, english


def test_otp_pages_have_german_breadcrumbs(superuser):
    text = superuser.get(reverse("admin:otp_static_staticdevice_changelist"), **ENGLISH_BROWSER).text
    assert "Zweiter Faktor: Notfallcodes" in text
    assert "Otp_Static" not in text and "OTP_STATIC" not in text


def login_attempt(username, *, failures):
    return AccessAttempt.objects.create(
        username=username,
        ip_address="192.0.2.1",
        user_agent="t",
        http_accept="",
        path_info="/admin/login/",
        failures_since_start=failures,
    )


def test_axes_login_attempts_in_german(superuser, settings):
    login_attempt("anna", failures=1)
    login_attempt("bert", failures=settings.AXES_FAILURE_LIMIT)
    response = superuser.get(reverse("admin:axes_accessattempt_changelist"), **ENGLISH_BROWSER)
    assert response.status_code == 200
    text = response.text
    remaining = settings.AXES_FAILURE_LIMIT - 1
    assert f'<td class="field-status">noch {remaining} Versuche</td>' in text
    assert '<td class="field-status">gesperrt</td>' in text
    assert "Abgelaufene Zugriffsversuche bereinigen" in text
    for english in ("Attempt Remaining", "Locked Out", "Clean up expired attempts"):
        assert english not in text, english


def test_axes_clean_up_action_reports_in_german(superuser):
    attempt = login_attempt("anna", failures=1)
    response = superuser.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "cleanup_expired_attempts", "_selected_action": [attempt.pk]},
        follow=True,
        **ENGLISH_BROWSER,
    )
    assert response.status_code == 200
    assert "0 abgelaufene Zugriffsversuche bereinigt." in response.text  # a fresh attempt has not expired
    assert "Cleaned up" not in response.text


def test_permission_denied_in_the_admin_keeps_the_admin_layout(client):
    verified_client_login(client, role_user("Redaktion"))
    response = client.get(reverse("admin:accounts_apitoken_changelist"), **ENGLISH_BROWSER)
    assert response.status_code == 403
    text = response.text
    assert 'id="site-name"' in text and "Digitalisierungsportal ITV.SH – Verwaltung" in text  # the admin's header
    assert "<h1>Keine Berechtigung</h1>" in text
    assert "Zur Übersicht der Verwaltung" in text
    assert "Forbidden" not in text


def test_history_page_columns_in_german_with_local_time(superuser):
    topic = Topic.objects.create(name="Testthema Geschichte", slug="testthema-geschichte")  # no known author
    record = topic.history.get()
    at = datetime.datetime(2026, 7, 1, 10, 30, tzinfo=datetime.UTC)  # 12:30 in Kiel (summer time)
    type(record).objects.filter(pk=record.pk).update(history_date=at)
    response = superuser.get(reverse("admin:cooperations_topic_history", args=[topic.pk]), **ENGLISH_BROWSER)
    assert response.status_code == 200
    text = response.text
    for german in ("Änderungen", "geändert von", "nicht bekannt", "angelegt", "01.07.2026, 12:30"):
        assert german in text, german
    for english in ("Changes", "Changed by", "Keine/r", ">None<", "Date/time", "Created", "UTC"):
        assert english not in text, english
    assert timezone.get_current_timezone_name() == "Europe/Berlin"
