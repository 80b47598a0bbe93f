"""Kommune self-service (issue 17, item 8): the group Kommune may upload its own status files (only its own
Verwaltungen' rows are taken: accounts.selectors.writable_verwaltung_ids), see its own imports and read the history
of its own statuses and the links of its own statuses that the last check found broken (the admin scopes all of
them to the user's Verwaltungen, accounts.admin_scoping). Reversible."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

KOMMUNE = "Kommune"
GRANTED = [
    ("ozg_monitoring", "add_importjob"),
    ("ozg_monitoring", "view_importjob"),
    ("ozg_monitoring", "view_statusevent"),
    ("ozg_monitoring", "view_brokenlink"),
]


def _permissions(apps):
    config = apps.get_app_config("ozg_monitoring")
    original = getattr(config, "models_module", None)
    config.models_module = original or True
    try:
        create_permissions(config, apps=apps, verbosity=0)
    finally:
        config.models_module = original
    Permission = apps.get_model("auth", "Permission")
    return [Permission.objects.get(content_type__app_label=app, codename=codename) for app, codename in GRANTED]


def forwards(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=KOMMUNE).first()
    if group is not None:
        group.permissions.add(*_permissions(apps))


def backwards(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=KOMMUNE).first()
    if group is not None:
        group.permissions.remove(*_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("ozg_monitoring", "0010_import_preview_and_notifications"),
        ("accounts", "0004_revision_group_and_audit_readers"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
