"""The second-factor steps between the admin's password login and the admin (see admin_site.py).

- `setup_view` ("Zweiten Faktor einrichten"): for a signed-in staff member without a confirmed TOTP device.
  Shows the QR code (SVG drawn here, as a data: image, so no script and no third party) and the secret for
  manual entry; a valid code confirms the device, verifies the session and shows 10 backup codes once.
- `verify_view` ("Zweiter Faktor"): a 6-digit code or a backup code (each works once). Wrong codes are
  form errors and counted by django-otp's throttling (growing wait after each failure).
- `backup_codes_view`: a verified staff member replaces the backup codes (the new ones are shown once).
"""

import base64
import logging
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import services
from .forms import CodeForm

logger = logging.getLogger(__name__)


def is_verified(user) -> bool:
    """True when the user passed the second factor in this session (False without OTPMiddleware)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def is_pending(user) -> bool:
    """Signed in with the password as staff, but not (yet) through the second factor."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return not is_verified(user)


def _next_url(request, site) -> str:
    candidate = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("admin:index", current_app=site.name)


def has_confirmed_totp(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def redirect_to_step(request, site):
    """To the setup (no confirmed device yet) or the code step, remembering where the user wanted to go."""
    name = "admin:second_factor_verify" if has_confirmed_totp(request.user) else "admin:second_factor_setup"
    url = reverse(name, current_app=site.name)
    target = request.get_full_path()
    if request.path.startswith(reverse("admin:login", current_app=site.name)):
        target = request.GET.get(REDIRECT_FIELD_NAME, "")
    if target and target != reverse("admin:index", current_app=site.name):
        url = f"{url}?{urlencode({REDIRECT_FIELD_NAME: target})}"
    return HttpResponseRedirect(url)


def needs_password_login(view, site):
    """The steps are for staff signed in with their password: anyone else goes to the login; someone who is
    already verified goes on to the admin."""

    def inner(request, *args, **kwargs):
        if not is_pending(request.user):
            if site.has_permission(request):
                return redirect(_next_url(request, site))
            login = reverse("admin:login", current_app=site.name)
            return HttpResponseRedirect(f"{login}?{urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})}")
        return view(request, *args, site=site, **kwargs)

    return inner


def _context(request, site, title, **extra):
    return {
        **site.each_context(request),
        "title": title,
        "subtitle": None,
        "next": _next_url(request, site),
        "redirect_field_name": REDIRECT_FIELD_NAME,
        **extra,
    }


def _verified(request, device):
    """Mark the session as verified with `device`; a new session key, as at any change of privilege."""
    request.session.cycle_key()
    otp_login(request, device)
    logger.info("second factor verified: user id %s with %s", request.user.pk, device.__class__.__name__)


def qr_code_data_uri(text: str) -> str:
    """The QR code of `text` as an SVG data: URI (drawn on the server; the CSP allows img data:)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=4)
    svg = image.to_string(encoding="unicode")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def setup_view(request, *, site):
    user = request.user
    if has_confirmed_totp(user):
        return redirect_to_step(request, site)
    device = services.totp_device_start(user=user)
    form = CodeForm(request.POST or None, totp_devices=[device])
    if request.method == "POST":
        with transaction.atomic():
            device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
            form.totp_devices = [device]
            if form.is_valid():
                codes = services.totp_device_confirm(device=device)
                _verified(request, device)
                return TemplateResponse(
                    request,
                    "accounts/backup_codes.html",
                    _context(request, site, _("Ihre Notfallcodes"), codes=codes, first_setup=True),
                )
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    context = _context(
        request,
        site,
        _("Zweiten Faktor einrichten"),
        form=form,
        qr_code=qr_code_data_uri(device.config_url),
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        issuer=getattr(device, "issuer", "") or "",
    )
    return TemplateResponse(request, "accounts/second_factor_setup.html", context)


def verify_view(request, *, site):
    user = request.user
    if not has_confirmed_totp(user):
        return redirect_to_step(request, site)
    with transaction.atomic():
        lock = request.method == "POST"
        totp = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk")
        backup = StaticDevice.objects.filter(user=user, confirmed=True).order_by("pk")
        if lock:
            totp, backup = totp.select_for_update(), backup.select_for_update()
        form = CodeForm(request.POST or None, totp_devices=totp, backup_device=backup.first())
        if request.method == "POST" and form.is_valid():
            _verified(request, form.device)
            return redirect(_next_url(request, site))
    if request.method == "POST":
        logger.warning("second factor failed: user id %s", user.pk)
    remaining = None
    if form.backup_device is not None:
        remaining = form.backup_device.token_set.count()
    return TemplateResponse(
        request,
        "accounts/second_factor_verify.html",
        _context(request, site, _("Zweiter Faktor"), form=form, remaining_backup_codes=remaining),
    )


def backup_codes_view(request, *, site):
    """GET: what replacing the codes means; POST: new codes, shown in this response only."""
    if request.method == "POST":
        codes = services.backup_codes_create(user=request.user)
        logger.info("backup codes replaced: user id %s", request.user.pk)
        return TemplateResponse(
            request, "accounts/backup_codes.html", _context(request, site, _("Ihre Notfallcodes"), codes=codes)
        )
    device = StaticDevice.objects.filter(user=request.user, confirmed=True).first()
    remaining = device.token_set.count() if device else 0
    return TemplateResponse(
        request,
        "accounts/backup_codes_new.html",
        _context(request, site, _("Notfallcodes erneuern"), remaining_backup_codes=remaining),
    )
