"""The admin opens only after the second factor: setup with QR code and backup codes, the code step, backup
codes once each, wrong codes as form errors (throttled by django-otp), renewal of backup codes, reset by the
Administration."""

import base64
import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from common.authorization import system_actor

from .factories import StaffUserFactory, UserFactory
from .helpers import confirmed_totp_device, current_code, verified_client_login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    """Many password checks here; the production hasher's cost is not what these tests are about."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


INDEX = reverse("admin:index")
LOGIN = reverse("admin:login")
SETUP = reverse("admin:second_factor_setup")
VERIFY = reverse("admin:second_factor_verify")
BACKUP = reverse("admin:second_factor_backup_codes")
PASSWORD = "ein-langes-Passwort-für-Tests"  # noqa: S105


@pytest.fixture
def staff():
    user = StaffUserFactory(is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def password_login(client, user, next_url=INDEX):
    return client.post(f"{LOGIN}?next={next_url}", {"username": user.username, "password": PASSWORD, "next": next_url})


def codes_on(page: str) -> list[str]:
    return re.findall(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code></li>", page)


def test_admin_without_login_goes_to_the_login(client):
    response = client.get(INDEX)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_password_alone_does_not_open_the_admin(client, staff):
    response = password_login(client, staff)
    assert response.status_code == 302
    # every admin URL leads to the step, remembering where the user wanted to go
    for url in (INDEX, reverse("admin:accounts_apitoken_changelist"), f"{LOGIN}?next=/admin/auth/user/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(SETUP), url
    assert client.get(reverse("admin:accounts_apitoken_changelist"))["Location"] == (
        f"{SETUP}?next=%2Fadmin%2Faccounts%2Fapitoken%2F"
    )


def test_setup_shows_qr_code_and_secret_then_backup_codes_once(client, staff):
    password_login(client, staff)
    page = client.get(SETUP)
    html = page.content.decode()
    assert page.status_code == 200 and "Zweiten Faktor einrichten" in html
    data_uri = re.search(r'<img src="(data:image/svg\+xml;base64,[^"]+)"', html).group(1)
    svg = base64.b64decode(data_uri.split(",", 1)[1]).decode()
    assert svg.startswith("<?xml") or svg.startswith("<svg")
    assert "<path" in svg
    assert "style=" not in html and "<script>" not in html  # nothing inline (CSP)
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    assert secret[:4] in html and "ITV.SH" in device.config_url
    assert client.get(SETUP).status_code == 200 and TOTPDevice.objects.filter(user=staff).count() == 1  # same device

    response = client.post(SETUP, {"code": "000000" if current_code(device) != "000000" else "111111"})
    assert response.status_code == 200 and "Der Code ist falsch" in response.content.decode()
    assert client.get(INDEX).status_code == 302  # still closed

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    response = client.post(SETUP, {"code": current_code(device), "next": INDEX})
    assert response.status_code == 200
    codes = codes_on(response.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    device.refresh_from_db()
    assert device.confirmed
    stored = set(StaticToken.objects.filter(device__user=staff).values_list("token", flat=True))
    assert len(stored) == 10 and not stored & {c.replace("-", "") for c in codes} and not stored & set(codes)
    assert stored == {services.backup_code_digest(code) for code in codes}
    assert client.get(INDEX).status_code == 200  # verified: the admin opens
    assert client.get(SETUP).status_code == 302  # set up once; codes are not shown again


def test_admin_opens_with_the_current_code(client, staff):
    device = confirmed_totp_device(staff)
    password_login(client, staff, next_url="/admin/auth/user/")
    response = client.get(INDEX)
    assert response["Location"] == VERIFY
    page = client.get(VERIFY).content.decode()
    assert "sechsstelligen Code" in page
    response = client.post(VERIFY, {"code": current_code(device), "next": "/admin/auth/user/"})
    assert response.status_code == 302 and response["Location"] == "/admin/auth/user/"
    assert client.get(INDEX).status_code == 200
    assert client.get(VERIFY).status_code == 302  # nothing more to verify


def test_session_key_changes_when_verified(client, staff):
    device = confirmed_totp_device(staff)
    password_login(client, staff)
    before = client.session.session_key
    client.post(VERIFY, {"code": current_code(device)})
    assert client.session.session_key != before


def test_wrong_code_is_a_form_error_and_throttled(client, staff):
    device = confirmed_totp_device(staff)
    password_login(client, staff)
    wrong = "123456" if current_code(device) != "123456" else "654321"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == ["Der Code ist falsch oder abgelaufen."]
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    # right after a failure django-otp makes the user wait, even for the right code
    response = client.post(VERIFY, {"code": current_code(device)})
    assert "Zu viele falsche Codes" in response.context["form"].errors["code"][0]
    assert client.get(INDEX).status_code == 302
    response = client.post(VERIFY, {"code": "abc"})
    assert "sechsstelligen Code" in response.context["form"].errors["code"][0]


def test_backup_code_works_once(client, staff):
    confirmed_totp_device(staff)
    codes = services.backup_codes_create(user=staff)
    password_login(client, staff)
    response = client.post(VERIFY, {"code": codes[0].upper().replace("-", " ")})  # as typed from paper
    assert response.status_code == 302 and client.get(INDEX).status_code == 200
    assert StaticToken.objects.filter(device__user=staff).count() == 9

    client.post(reverse("admin:logout"))
    password_login(client, staff)
    response = client.post(VERIFY, {"code": codes[0]})
    assert response.status_code == 200 and response.context["form"].errors["code"]
    assert client.get(INDEX).status_code == 302


def test_logout_is_possible_before_the_second_factor(client, staff):
    password_login(client, staff)
    client.post(reverse("admin:logout"))
    assert "_auth_user_id" not in client.session
    assert client.get(INDEX)["Location"].startswith(LOGIN)


def test_non_staff_cannot_reach_the_steps(client):
    user = UserFactory()
    client.force_login(user)
    for url in (SETUP, VERIFY):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert not TOTPDevice.objects.exists()


def test_staff_renews_backup_codes(client, staff):
    verified_client_login(client, staff)
    old = services.backup_codes_create(user=staff)
    page = client.get(BACKUP).content.decode()
    assert "noch 10 unbenutzte Notfallcodes" in page
    assert BACKUP in client.get(INDEX).content.decode()  # linked among the user links
    new = codes_on(client.post(BACKUP).content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    digests = set(StaticToken.objects.filter(device__user=staff).values_list("token", flat=True))
    assert digests == {services.backup_code_digest(code) for code in new}
    assert StaticDevice.objects.filter(user=staff).count() == 1


def test_administration_resets_a_users_second_factor(client):
    admin_user = StaffUserFactory()
    admin_user.groups.add(Group.objects.get(name="Administration"))
    verified_client_login(client, admin_user)
    kommune = StaffUserFactory()
    confirmed_totp_device(kommune)
    services.backup_codes_create(user=kommune)
    changelist = reverse("admin:auth_user_changelist")
    assert "reset_second_factor" in client.get(changelist).content.decode()
    response = client.post(changelist, {"action": "reset_second_factor", "_selected_action": [kommune.pk]}, follow=True)
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=kommune).exists()
    assert not StaticDevice.objects.filter(user=kommune).exists()
    assert TOTPDevice.objects.filter(user=admin_user).exists()


def test_reset_needs_the_permission(client):
    staff = StaffUserFactory()
    staff.groups.add(Group.objects.get(name="Redaktion"))
    verified_client_login(client, staff)
    other = StaffUserFactory()
    confirmed_totp_device(other)
    client.post(
        reverse("admin:auth_user_changelist"), {"action": "reset_second_factor", "_selected_action": [other.pk]}
    )
    assert TOTPDevice.objects.filter(user=other).exists()


def test_reset_ends_the_verification_of_open_sessions(client, staff):
    verified_client_login(client, staff)
    assert client.get(INDEX).status_code == 200
    services.second_factor_reset(user=staff, by=system_actor())
    response = client.get(INDEX)
    assert response.status_code == 302 and response["Location"].startswith(SETUP)


def test_helpers_give_a_verified_session_cookie(client, staff):
    from django.test import Client

    from .helpers import verified_session_cookie

    cookie = verified_session_cookie("http://localhost:8000", staff)
    assert cookie["url"] == "http://localhost:8000" and cookie["value"]
    browser_like = Client()
    browser_like.cookies[cookie["name"]] = cookie["value"]
    assert browser_like.get(INDEX).status_code == 200
    assert verified_session_cookie(client, staff)["value"] == client.cookies[cookie["name"]].value
