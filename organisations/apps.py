from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    name = "organisations"
    verbose_name = _("Register öffentlicher Stellen")

    def ready(self):
        from .selectors import REGISTER_READS

        REGISTER_READS.connect()  # every committed write to the register replaces the cached search pages
