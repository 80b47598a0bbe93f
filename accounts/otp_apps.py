"""django-otp's device apps under German names (their own are "Otp_Static" and "Otp_Totp", which the admin shows
in its breadcrumbs and app list). In INSTALLED_APPS these configs take the place of the plugins' own; labels,
models and migrations stay theirs. It lives in its own module (not in apps.py), so that Django does not take it
for the `accounts` app's config."""

from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.apps import DefaultConfig as StaticDefaultConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as TOTPDefaultConfig


def _german_names(model, singular, plural):
    """The model's names on the admin's pages (titles, breadcrumbs, messages). Only the runtime options change:
    the migrations read the options the plugin declared, so no migration follows."""
    model._meta.verbose_name, model._meta.verbose_name_plural = singular, plural


class OtpStaticConfig(StaticDefaultConfig):
    verbose_name = _("Zweiter Faktor: Notfallcodes")

    def ready(self):
        super().ready()
        _german_names(self.get_model("StaticDevice"), _("Notfallcode-Gerät"), _("Notfallcode-Geräte"))


class OtpTotpConfig(TOTPDefaultConfig):
    verbose_name = _("Zweiter Faktor: Authenticator-Apps")

    def ready(self):
        super().ready()
        _german_names(
            self.get_model("TOTPDevice"), _("Authenticator-App (TOTP-Gerät)"), _("Authenticator-Apps (TOTP-Geräte)")
        )
