"""The group Monitoring checks links (the admin action "Links der Verwaltungen der Auswahl prüfen") and reads the
results and the list of broken links. Reversing it takes these rights away again."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Monitoring"
CODENAMES = ("add_linkcheck", "view_linkcheck", "view_brokenlink")


def _permissions(apps):
    # In a fresh database an app's permissions are made only in post_migrate: make them now (as accounts.0002).
    config = apps.get_app_config("ozg_monitoring")
    original = getattr(config, "models_module", None)
    config.models_module = original or True
    try:
        create_permissions(config, apps=apps, verbosity=0)
    finally:
        config.models_module = original
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(content_type__app_label="ozg_monitoring", codename__in=CODENAMES)


def forwards(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.add(*_permissions(apps))


def backwards(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP).first()
    if group is not None:
        Permission = apps.get_model("auth", "Permission")
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="ozg_monitoring", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("ozg_monitoring", "0003_linkcheck"),
        ("accounts", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
