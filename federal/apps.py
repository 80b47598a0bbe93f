from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederalConfig(AppConfig):
    name = "federal"
    verbose_name = _("Bundes-Dashboard")

    def ready(self):
        from ozg_monitoring.related import register_dashboard_section
        from ozg_monitoring.selectors import READS

        from .dashboard import reconciliation_line

        # The OZG pages show the reconciliation (the dashboard's line): a new record set or note replaces them.
        READS.watch(["federal.FederalRecordSet", "federal.FederalRecord", "federal.ReconciliationNote"])
        register_dashboard_section(reconciliation_line)
