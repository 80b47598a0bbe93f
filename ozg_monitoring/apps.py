from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OzgMonitoringConfig(AppConfig):
    name = "ozg_monitoring"
    verbose_name = _("OZG-Monitoring")

    def ready(self):
        from .selectors import READS

        READS.connect()  # every committed write to a table READS watches replaces its version
