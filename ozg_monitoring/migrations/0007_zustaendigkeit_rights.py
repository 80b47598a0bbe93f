"""The groups Redaktion and Monitoring may add, change, delete and view the Zuständigkeit tables (issue 14)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ("zustaendigkeit", "zustaendigkeitausnahme")
CODENAMES = [f"{op}_{model}" for model in MODELS for op in ("add", "change", "delete", "view")]
GROUPS = ("Redaktion", "Monitoring")


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("ozg_monitoring")
    original = getattr(app_config, "models_module", None)
    app_config.models_module = original or True
    try:
        create_permissions(app_config, apps=apps, verbosity=0)
    finally:
        app_config.models_module = original
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = list(Permission.objects.filter(content_type__app_label="ozg_monitoring", codename__in=CODENAMES))
    if len(permissions) != len(CODENAMES):
        raise RuntimeError("Berechtigungen der Zuständigkeit fehlen.")
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.add(*permissions)


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="ozg_monitoring", codename__in=CODENAMES)
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("ozg_monitoring", "0006_zustaendigkeit"),
        ("accounts", "0004_revision_group_and_audit_readers"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
