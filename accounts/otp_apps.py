"""django-otp's device apps under German names (their own are "Otp_Static" and "Otp_Totp", which the admin shows
in its breadcrumbs and app list). In INSTALLED_APPS these configs take the place of the plugins' own; labels,
models and migrations stay theirs. It lives in its own module (not in apps.py), so that Django does not take it
for the `accounts` app's config."""

from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.apps import DefaultConfig as StaticDefaultConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as TOTPDefaultConfig


class OtpStaticConfig(StaticDefaultConfig):
    verbose_name = _("Zweiter Faktor: Notfallcodes")


class OtpTotpConfig(TOTPDefaultConfig):
    verbose_name = _("Zweiter Faktor: Authenticator-Apps")
