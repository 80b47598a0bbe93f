from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OzgMonitoringConfig(AppConfig):
    name = "ozg_monitoring"
    verbose_name = _("OZG-Monitoring")

    def ready(self):
        from . import related
        from .search import CATALOGUE
        from .selectors import FRAME, READS, RESPONSIBILITY

        READS.connect()  # every committed write to a table READS watches replaces its version
        RESPONSIBILITY.connect()  # who serves whose residents: the dashboard's headline
        FRAME.connect()  # the dashboard's register, catalogue, plans and Monatsstände: not replaced by a status
        CATALOGUE.connect()  # the service search's index: rebuilt after a change of the catalogue's names
        related.register()  # the section "Online erledigen" on a body's register page
