"""Sessions of staff: 30 minutes idle, 8 hours after the login at most (activity does not extend it), logout
ends the session for good; passwords of at least 12 characters that are not common."""

import time

import pytest
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.middleware import ACTIVITY_RESOLUTION, SESSION_ACTIVITY_KEY, SESSION_STARTED_KEY

from .factories import StaffUserFactory
from .helpers import verified_client_login

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")
LOGIN = reverse("admin:login")


@pytest.fixture
def staff_client(client):
    return verified_client_login(client, StaffUserFactory(is_superuser=True))


def shift(client, **seconds_ago):
    """Move the stored login and/or last-activity time back."""
    session = client.session
    now = time.time()
    if "login" in seconds_ago:
        session[SESSION_STARTED_KEY] = now - seconds_ago["login"]
    if "activity" in seconds_ago:
        session[SESSION_ACTIVITY_KEY] = now - seconds_ago["activity"]
    session.save()


def test_settings():
    assert settings.SESSION_IDLE_TIMEOUT == 30 * 60
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60


def test_login_records_its_time_and_limits_the_session(staff_client):
    session = staff_client.session
    assert abs(session[SESSION_STARTED_KEY] - time.time()) < 60
    assert 0 < session.get_expiry_age() <= settings.SESSION_IDLE_TIMEOUT


def test_active_session_stays_open(staff_client):
    shift(staff_client, activity=29 * 60)
    assert staff_client.get(INDEX).status_code == 200
    assert time.time() - staff_client.session[SESSION_ACTIVITY_KEY] < ACTIVITY_RESOLUTION  # activity recorded
    shift(staff_client, activity=29 * 60)
    assert staff_client.get(INDEX).status_code == 200


def test_idle_session_ends(staff_client):
    key = staff_client.session.session_key
    shift(staff_client, activity=31 * 60)
    response = staff_client.get(INDEX)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert not SessionStore().exists(key)
    page = staff_client.get(response["Location"]).content.decode()
    assert "nach 30 Minuten ohne Aktivität abgelaufen" in page


def test_activity_does_not_extend_beyond_eight_hours(staff_client):
    shift(staff_client, login=8 * 3600 - 120, activity=90)
    assert staff_client.get(INDEX).status_code == 200
    # the session's own expiry ends with the absolute limit too
    assert staff_client.session.get_expiry_age() <= 120
    shift(staff_client, login=8 * 3600 + 1, activity=5)
    response = staff_client.get(INDEX)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_logout_ends_the_session_for_good(staff_client, client):
    old_key = staff_client.session.session_key
    assert staff_client.get(INDEX).status_code == 200
    staff_client.post(reverse("admin:logout"))
    assert not SessionStore().exists(old_key)
    client.cookies[settings.SESSION_COOKIE_NAME] = old_key  # replaying the old cookie
    response = client.get(INDEX)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("kurz-9Zx!", "Dieses Passwort ist zu kurz. Es muss mindestens 12 Zeichen enthalten."),
        ("password1234", "Dieses Passwort ist zu üblich."),
    ],
)
def test_short_and_common_passwords_are_rejected(password, message):
    with pytest.raises(ValidationError) as error:
        password_validation.validate_password(password, StaffUserFactory.build())
    assert message in error.value.messages


def test_a_long_uncommon_password_is_accepted():
    password_validation.validate_password("Wattenmeer-Fähre-2024", StaffUserFactory.build())
