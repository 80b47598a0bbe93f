from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "itvsh_portal"
    verbose_name = "Portal"

    def ready(self):
        from . import checks  # noqa: F401 - registers the deployment checks
