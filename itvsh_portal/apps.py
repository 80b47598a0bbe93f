from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "itvsh_portal"
    verbose_name = "Portal"

    def ready(self):
        from common import messages

        from . import checks  # noqa: F401 - registers the deployment checks

        messages.install()  # the catalogue's texts as DRF's and Django's default error messages

        from django.db.backends.signals import connection_created

        from common.sql import register_german_collation

        # SQLite learns the German collation that common.sql.german() sorts names with (PostgreSQL has ICU's).
        connection_created.connect(register_german_collation, dispatch_uid="german_collation")
