"""Security headers, the Content-Security-Policy on every kind of page, API throttling and error pages."""

import re

import pytest
from django.core.cache import cache
from django.test import override_settings

from common.authorization import system_actor

EXPECTED_CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)

# One URL of every kind the portal answers: public pages, admin, API docs, schema, API JSON, static file,
# health check, a 404.
PAGES = [
    ("/", 200),
    ("/kommunen/", 200),
    ("/kooperationen/", 200),
    ("/ozg/", 200),
    ("/finanzierung/", 200),
    ("/impressum/", 200),
    ("/admin/login/", 200),
    ("/api/v1/docs/", 200),
    ("/api/v1/docs/?script", 200),
    ("/api/v1/schema/", 200),
    ("/api/v1/organisations/", 200),
    ("/static/css/portal.css", 200),
    ("/healthz", 200),
    ("/readyz", 200),
    ("/gibt-es-nicht/", 404),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "status"), PAGES)
def test_every_response_carries_the_policy_and_headers(client, warm_notices, path, status):
    response = client.get(path)
    assert response.status_code == status, path
    assert response["Content-Security-Policy"] == EXPECTED_CSP
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"  # static files too, though WhiteNoise answers them early


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=|\son[a-z]+=", re.I)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/kommunen/", "/kooperationen/", "/ozg/", "/finanzierung/", "/admin/login/", "/api/v1/docs/"]
)
def test_pages_carry_no_inline_code_or_styles(client, warm_notices, path):
    """What the policy would block: inline <script>, <style>, style="" and on…="" handlers."""
    html = client.get(path).content.decode()
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html)
    assert not INLINE_STYLE.search(html), INLINE_STYLE.search(html)


@pytest.mark.django_db
def test_api_docs_load_their_set_up_script_from_our_origin(client):
    html = client.get("/api/v1/docs/").content.decode()
    assert 'src="/api/v1/docs/?script=' in html or 'src="/api/v1/docs/?script"' in html
    script = client.get("/api/v1/docs/?script")
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content
    assert b"/api/v1/schema/" in script.content


def test_production_headers_are_switched_on_with_https(monkeypatch):
    """HSTS, secure cookies and the redirect follow HTTPS=true (check --deploy in test_health asserts the rest)."""
    import importlib

    import itvsh_portal.settings as settings_module

    monkeypatch.setenv("HTTPS", "true")
    production = importlib.reload(settings_module)
    try:
        assert production.SECURE_HSTS_SECONDS >= 31_536_000
        assert production.SESSION_COOKIE_SECURE and production.CSRF_COOKIE_SECURE
        assert production.SESSION_COOKIE_HTTPONLY
        assert production.SESSION_COOKIE_SAMESITE == "Lax"
        assert production.SECURE_SSL_REDIRECT
        assert "upgrade-insecure-requests" in production.CONTENT_SECURITY_POLICY
    finally:
        monkeypatch.delenv("HTTPS")
        importlib.reload(settings_module)


THROTTLED = {
    "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "user": "5/min", "auth_failure": "4/min"},
}


def _rest_framework(**changes):
    from django.conf import settings

    return {**settings.REST_FRAMEWORK, **changes}


@pytest.fixture
def low_rates():
    """Low throttle rates for one test (the throttles read the rates at each request)."""
    cache.clear()
    with override_settings(REST_FRAMEWORK=_rest_framework(**THROTTLED)):
        try:
            yield
        finally:
            cache.clear()


@pytest.mark.django_db
def test_anonymous_client_is_throttled_with_retry_after(client, low_rates):
    statuses = [client.get("/api/v1/organisations/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/organisations/")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "gedrosselt" in response.json()["detail"].lower() or "throttled" in response.json()["detail"].lower()
    # Another client (another IP) still gets through.
    assert client.get("/api/v1/organisations/", REMOTE_ADDR="10.0.0.2").status_code == 200


@pytest.mark.django_db
def test_token_client_is_throttled_per_user_not_per_ip(client, low_rates):
    from accounts.services import api_token_create
    from tests.accounts.factories import UserFactory

    user = UserFactory()
    _, key = api_token_create(user=user, name="Fachverfahren", scope="read", by=system_actor())
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    statuses = [client.get("/api/v1/organisations/", **auth).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    response = client.get("/api/v1/organisations/", REMOTE_ADDR="10.0.0.9", **auth)
    assert response.status_code == 429  # a new IP does not reset a token's count
    assert int(response["Retry-After"]) >= 1
    # Anonymous requests from the same IP have their own, untouched count.
    assert client.get("/api/v1/organisations/").status_code == 200


@pytest.mark.django_db
def test_error_pages_reveal_no_internals(client, warm_notices):
    response = client.get("/kommunen/gibt-es-nicht-0815/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Traceback" not in body and "settings" not in body.lower() and "urlpatterns" not in body
    api = client.get("/api/v1/organisations/gibt-es-nicht/")
    assert api.status_code == 404
    assert set(api.json()) == {"detail"}


@pytest.mark.django_db
def test_server_error_is_a_plain_page_without_details(warm_notices, monkeypatch):
    from django.test import Client

    from itvsh_portal import views

    def explode(self, **kwargs):
        raise RuntimeError("geheimes Detail: postgres://secret@db")

    monkeypatch.setattr(views.HomeView, "get_context_data", explode)
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "geheimes Detail" not in body and "Traceback" not in body and "postgres://" not in body
    assert response["Content-Security-Policy"] == EXPECTED_CSP


@pytest.mark.django_db
def test_oversized_request_bodies_are_refused_before_they_are_read(settings):
    settings.REQUEST_MAX_BYTES = 1000
    from django.test import Client

    response = Client().generic("POST", "/api/v1/ozg/status/bulk/", b"x" * 1001, content_type="application/json")
    assert response.status_code == 413
    assert "zu groß" in response.json()["detail"]
    page = Client().generic("POST", "/admin/login/", b"x" * 1001, content_type="application/x-www-form-urlencoded")
    assert page.status_code == 413
    assert response["Content-Security-Policy"].startswith("default-src 'self'")
    small = Client().generic("POST", "/api/v1/ozg/status/bulk/", b"{}", content_type="application/json")
    assert small.status_code in (401, 403)  # reaches the API's own checks


@pytest.mark.django_db
def test_unknown_api_urls_answer_in_json_and_pages_in_html(client, warm_notices):
    api = client.get("/api/v1/gibt-es-nicht/")
    assert api.status_code == 404
    assert api["Content-Type"].startswith("application/json")
    assert api.json() == {"detail": "Nicht gefunden."}
    page = client.get("/gibt-es-nicht/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_api_server_error_is_json_without_details(monkeypatch):
    from django.test import Client

    from organisations.api import views

    def explode(self):
        raise RuntimeError("geheimes Detail")

    monkeypatch.setattr(views.OrganisationViewSet, "get_queryset", explode)
    response = Client(raise_request_exception=False).get("/api/v1/organisations/")
    assert response.status_code == 500
    assert response.json() == {"detail": "Interner Fehler. Der Fehler wurde protokolliert."}


def test_client_address_trusts_only_configured_proxies(rf, settings):
    from itvsh_portal.security import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    assert client_ip(request) == "10.0.0.1"  # no proxy configured: a forged header changes nothing
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert client_ip(request) == "203.0.113.7"  # the address our one proxy saw, not what the client wrote
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.1")) == "10.0.0.1"


@pytest.mark.django_db
def test_failed_token_authentication_is_throttled_per_address_before_the_lookup(
    client, low_rates, django_assert_num_queries
):
    """Unknown, expired and revoked tokens count against the address: after 4 failures, 429 with Retry-After,
    and the token is not even looked up (no query), a good one from that address neither."""
    import datetime

    from django.utils import timezone

    from accounts.models import ApiToken
    from accounts.services import api_token_create, api_token_revoke
    from tests.accounts.factories import UserFactory

    user = UserFactory()
    _, good = api_token_create(user=user, name="Fachverfahren", scope="read", by=system_actor())
    revoked, revoked_key = api_token_create(user=user, name="alt", scope="read", by=system_actor())
    api_token_revoke(token=revoked, by=system_actor())
    expired, expired_key = api_token_create(
        user=user,
        name="abgelaufen",
        scope="read",
        by=system_actor(),
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    past = timezone.now() - datetime.timedelta(minutes=1)
    ApiToken.objects.filter(pk=expired.pk).update(created_at=past - datetime.timedelta(days=1), expires_at=past)
    url = "/api/v1/organisations/"
    wrong = [f"Token {'x' * 40}", f"Token {revoked_key}", f"Token {expired_key}", "Token"]
    assert [client.get(url, HTTP_AUTHORIZATION=header).status_code for header in wrong] == [401] * 4
    with django_assert_num_queries(0):  # refused before any lookup
        response = client.get(url, HTTP_AUTHORIZATION=f"Token {'y' * 40}")
        good_from_there = client.get(url, HTTP_AUTHORIZATION=f"Token {good}")
    assert response.status_code == good_from_there.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "Anmeldungen" in response.json()["detail"]
    # Another address is not affected; a good token does not count as a failure.
    assert client.get(url, HTTP_AUTHORIZATION=f"Token {'x' * 40}", REMOTE_ADDR="10.0.0.3").status_code == 401
    for _ in range(5):
        assert client.get(url, HTTP_AUTHORIZATION=f"Token {good}", REMOTE_ADDR="10.0.0.4").status_code in (200, 429)
    assert client.get(url, HTTP_AUTHORIZATION=f"Token {'x' * 40}", REMOTE_ADDR="10.0.0.4").status_code == 401


@pytest.mark.django_db
def test_requests_without_a_token_are_not_failed_authentications(client, low_rates):
    """Anonymous reads are counted by the anonymous rate only, not as failures."""
    assert [client.get("/api/v1/organisations/").status_code for _ in range(3)] == [200] * 3
    assert client.get("/api/v1/organisations/", HTTP_AUTHORIZATION=f"Token {'x' * 40}").status_code == 401


def test_static_files_carry_the_security_headers_from_whitenoise_itself(rf):
    """WhiteNoise answers before the clickjacking middleware; its own answer carries every header already."""
    from whitenoise.middleware import WhiteNoiseMiddleware

    middleware = WhiteNoiseMiddleware(get_response=lambda request: None)
    response = middleware(rf.get("/static/css/portal.css"))
    assert response is not None and response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Security-Policy"] == EXPECTED_CSP
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_an_exempt_view_keeps_its_frame_permission(rf):
    from django.http import HttpResponse
    from django.views.decorators.clickjacking import xframe_options_exempt

    from itvsh_portal.security import SecurityHeadersMiddleware

    exempt = SecurityHeadersMiddleware(xframe_options_exempt(lambda request: HttpResponse("ok")))
    assert "X-Frame-Options" not in exempt(rf.get("/"))
    plain = SecurityHeadersMiddleware(lambda request: HttpResponse("ok"))
    assert plain(rf.get("/"))["X-Frame-Options"] == "DENY"
