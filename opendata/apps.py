from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpendataConfig(AppConfig):
    name = "opendata"
    verbose_name = _("Offene Daten")

    def ready(self):
        from ozg_monitoring.signals import snapshot_computed

        from .services import publish_computed_snapshot

        # The month's files follow every computed snapshot (opendata reacts; ozg_monitoring does not import it).
        snapshot_computed.connect(publish_computed_snapshot, dispatch_uid="opendata_publish_computed_snapshot")
