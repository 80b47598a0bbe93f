from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = _("Finanzierung")

    def ready(self):
        from . import related

        related.register()  # the section "Finanzierung" on an agreement's page (cooperations.related)
