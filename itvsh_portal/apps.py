from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "itvsh_portal"
    verbose_name = "Portal"

    def ready(self):
        from common import messages

        from . import checks  # noqa: F401 - registers the deployment checks

        messages.install()  # the catalogue's texts as DRF's and Django's default error messages
