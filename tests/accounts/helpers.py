"""Logging in past the second factor in tests.

The admin opens only for sessions verified with a second factor (accounts/admin_site.py). Tests that use the
admin log in with these helpers instead of `client.force_login(user)`:

    verified_client_login(client, user)           # a Django test client, ready for /admin/
    cookie = verified_session_cookie(live_server, user)
    context.add_cookies([cookie])                 # a Playwright browser context on the live server

Both give the user a confirmed TOTP device (once) and mark the session as verified with it.
"""

from django.conf import settings
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def confirmed_totp_device(user) -> TOTPDevice:
    """The user's confirmed TOTP device, created on first use."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test-App", confirmed=True)
    return device


def current_code(device: TOTPDevice) -> str:
    """The code the user's app shows right now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def verified_client_login(client, user):
    """Log `user` in on `client` with a session verified by a second factor. Returns the client."""
    device = confirmed_totp_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def verified_session_cookie(live_server_or_client, user) -> dict:
    """A session cookie of `user`, verified by a second factor, for a browser (Playwright's add_cookies). Pass
    the live_server fixture (or its URL) or a Django test client whose cookie to take."""
    if isinstance(live_server_or_client, Client):
        client, url = live_server_or_client, None
    else:
        client, url = Client(), getattr(live_server_or_client, "url", str(live_server_or_client))
    verified_client_login(client, user)
    cookie = {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value}
    if url:
        cookie["url"] = url
    else:
        cookie.update(domain="localhost", path="/")
    return cookie
