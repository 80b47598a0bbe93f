from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Konten und Zugänge")

    def ready(self):
        # Registers the OpenAPI description of the token authentication with drf-spectacular.
        from . import schema  # noqa: F401
