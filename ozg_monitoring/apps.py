from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Models the cached OZG pages (dashboard, lookup, Leistung and Verwaltung pages) read besides the statuses,
# whose writes go through the services. A save or delete of any of them, through whichever door, replaces the
# cache version once the transaction commits, so the pages show it at once.
CACHED_READ_MODELS = ("Themenfeld", "Lebenslage", "OzgLeistung", "Fokusleistung", "Basisdienst", "RolloutPlan",
                      "RolloutTarget")


class OzgMonitoringConfig(AppConfig):
    name = "ozg_monitoring"
    verbose_name = _("OZG-Monitoring")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .services import _invalidate_on_commit

        def invalidate(sender, **kwargs):
            _invalidate_on_commit()

        for model_name in CACHED_READ_MODELS:
            model = self.get_model(model_name)
            post_save.connect(invalidate, sender=model, dispatch_uid=f"ozg-cache-{model_name}-save", weak=False)
            post_delete.connect(invalidate, sender=model, dispatch_uid=f"ozg-cache-{model_name}-delete", weak=False)
