from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit-Protokoll")

    def ready(self):
        from . import context, recording

        recording.connect()
        context.install_command_hook()
        context.install_celery_hooks()
