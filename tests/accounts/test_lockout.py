"""Failed-login lockout (django-axes): 5 failures of one user name from one address lock that pair for 15
minutes; the right password is refused meanwhile; other users and other addresses are not locked; logged."""

import datetime
import logging

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from .factories import StaffUserFactory, issue_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    """Many password checks here; the production hasher's cost is not what these tests are about."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


LOGIN = reverse("admin:login")
PASSWORD = "ein-langes-Passwort-für-Tests"  # noqa: S105


def staff_with_password():
    user = StaffUserFactory()
    user.set_password(PASSWORD)
    user.save()
    return user


def attempt(client, user, password, ip="192.0.2.10"):
    return client.post(LOGIN, {"username": user.username, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip)


def logged_in(client):
    return "_auth_user_id" in client.session


def lock(client, user, ip="192.0.2.10"):
    responses = [attempt(client, user, "falsch", ip=ip) for _ in range(5)]
    assert [r.status_code for r in responses[:4]] == [200] * 4  # the form again, with its error
    return responses[-1]


def test_five_failures_lock_even_the_right_password(client, caplog):
    user = staff_with_password()
    with caplog.at_level(logging.INFO, logger="axes"):
        response = lock(client, user)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Anmeldung vorübergehend gesperrt" in page and "nach 5 Fehlversuchen" in page and "15 Minuten" in page
    assert any("lock" in record.getMessage().lower() for record in caplog.records if record.name.startswith("axes"))
    response = attempt(client, user, PASSWORD)
    assert response.status_code == 429 and not logged_in(client)


def test_cool_off_ends_the_lock(client):
    user = staff_with_password()
    lock(client, user)
    assert attempt(client, user, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=16))
    response = attempt(client, user, PASSWORD)
    assert response.status_code == 302 and logged_in(client)
    assert not AccessAttempt.objects.filter(username=user.username).exists()  # reset on success


def test_lock_is_per_user_name_and_address(client):
    user, colleague = staff_with_password(), staff_with_password()
    lock(client, user)
    response = attempt(client, colleague, PASSWORD)  # same address, another user
    assert response.status_code == 302 and logged_in(client)
    client.logout()
    response = attempt(client, user, PASSWORD, ip="198.51.100.7")  # same user, another address
    assert response.status_code == 302 and logged_in(client)


def test_fewer_failures_are_forgotten_after_a_success(client):
    user = staff_with_password()
    for _ in range(4):
        attempt(client, user, "falsch")
    assert attempt(client, user, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert attempt(client, user, "falsch").status_code == 200  # counting starts again
    assert attempt(client, user, PASSWORD).status_code == 302


def test_api_tokens_are_not_affected_by_a_lockout(client):
    user = staff_with_password()
    lock(client, user)
    _token, key = issue_token(user=user)
    response = client.get("/api/v1/ozg/status/", HTTP_AUTHORIZATION=f"Token {key}", REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 200
    response = client.get("/api/v1/ozg/status/", HTTP_AUTHORIZATION="Token falsch", REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 401  # wrong tokens are the token's 401, not a lockout page
