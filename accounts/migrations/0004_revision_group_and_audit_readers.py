"""Who reads the audit trail (issue "Hold under any input and any load").

- A new group *Revision* (data-protection officer, internal and external auditors): reads the audit trail and
  exports it as CSV (the permission audit.view_auditentry), nothing else, writes nothing.
- The group *Administration* reads the audit trail too (it manages the accounts whose changes the trail holds).
- Superusers read it as before. Nobody adds, changes or deletes entries (audit/admin.py, and on PostgreSQL the
  trigger of audit.0002).

Reversing it removes the group Revision and the reading right of Administration.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

READ_AUDIT = ("audit", "view_auditentry")
REVISION = "Revision"
ADMINISTRATION = "Administration"


def _read_audit_permission(apps):
    # In a fresh database the audit app's permissions are made only in post_migrate: make them now (as 0002).
    config = apps.get_app_config("audit")
    original = getattr(config, "models_module", None)
    config.models_module = original or True
    try:
        create_permissions(config, apps=apps, verbosity=0)
    finally:
        config.models_module = original
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.get(content_type__app_label=READ_AUDIT[0], codename=READ_AUDIT[1])


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    permission = _read_audit_permission(apps)
    revision, _created = Group.objects.get_or_create(name=REVISION)
    revision.permissions.set([permission])
    administration = Group.objects.filter(name=ADMINISTRATION).first()
    if administration is not None:
        administration.permissions.add(permission)


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.filter(name=REVISION).delete()
    administration = Group.objects.filter(name=ADMINISTRATION).first()
    if administration is not None:
        administration.permissions.remove(
            *Permission.objects.filter(content_type__app_label=READ_AUDIT[0], codename=READ_AUDIT[1])
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_system_actor_and_group_rights"),
        ("audit", "0002_append_only_trigger"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
