"""The group Monitoring marks differences of the reconciliation as explained (add/change/view of the notes) and
imports federal files through the API (add_federalrecordset: the same rule as the sync). Reversing it takes the
rights away again."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Monitoring"
CODENAMES = (
    "add_reconciliationnote",
    "change_reconciliationnote",
    "view_reconciliationnote",
    "add_federalrecordset",
)


def _permissions(apps):
    # In a fresh database an app's permissions are made only in post_migrate: make them now (as federal.0002).
    config = apps.get_app_config("federal")
    original = getattr(config, "models_module", None)
    config.models_module = original or True
    try:
        create_permissions(config, apps=apps, verbosity=0)
    finally:
        config.models_module = original
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(content_type__app_label="federal", codename__in=CODENAMES)


def forwards(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.add(*_permissions(apps))


def backwards(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP).first()
    if group is not None:
        Permission = apps.get_model("auth", "Permission")
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="federal", codename__in=CODENAMES))


class Migration(migrations.Migration):
    dependencies = [
        ("federal", "0003_reconciliation_note"),
        ("accounts", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
