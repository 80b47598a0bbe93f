from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "itvsh_portal"
    verbose_name = "Portal"
