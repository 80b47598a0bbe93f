"""The system actor and the end of an escalation path (issue "Close the open door").

- The user "system" (inactive, no usable password): commands, loaders and Celery tasks act as it
  (common.authorization.system_actor), so rules and the audit trail know who acted. Inactive, it can never sign
  in nor use a token.
- The group Administration keeps reading groups but no longer adds, changes or deletes them: a group's
  permissions are what each member holds, so only superusers edit them (the admin enforces it too).
"""

from django.db import migrations

SYSTEM_USERNAME = "system"
GROUP_WRITES = ("add_group", "change_group", "delete_group")


def forwards(apps, schema_editor):
    User = apps.get_model("auth", "User")
    User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"is_active": False, "is_staff": False, "is_superuser": False, "first_name": "System",
                  "password": "!"},
    )
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    administration = Group.objects.filter(name="Administration").first()
    if administration is not None:
        administration.permissions.remove(
            *Permission.objects.filter(content_type__app_label="auth", codename__in=GROUP_WRITES)
        )


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    administration = Group.objects.filter(name="Administration").first()
    if administration is not None:
        administration.permissions.add(
            *Permission.objects.filter(content_type__app_label="auth", codename__in=GROUP_WRITES)
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_staff_groups")]

    operations = [migrations.RunPython(forwards, backwards)]
