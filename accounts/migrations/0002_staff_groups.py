"""The staff groups and their permissions (issue 6, "Roles and permissions").

- Redaktion: agreements (cooperations), the OZG catalogue (Themenfelder, Lebenslagen, Leistungen, LeiKa,
  Fokusleistungen, Basisdienste, plans and targets), corrections of the register (organisations: change).
- Monitoring: rollout statuses of all Verwaltungen and the Land (accounts.act_for_all_verwaltungen), their
  history, snapshots and CSV imports; reads the catalogue.
- Finanzen: funding (sources, purposes, budget lines, drawdowns, in-kind contributions, reports) including
  review, approval and payment of drawdowns; reads agreements.
- Administration: users, groups, memberships, API tokens, second-factor devices (reset), login lockouts.
- Kommune: view and change of rollout statuses; the rows are limited to the user's Verwaltungen by the
  memberships (accounts.admin_scoping, accounts.authorization). Kommune users need "Mitarbeiter-Status" to log
  in to the admin.

The lists are frozen here, as a migration should be. Running it again sets each group's permissions to the
list (idempotent); reversing it removes the five groups.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CRUD = ("add", "change", "delete", "view")


def _perms(app_label, models, actions=CRUD):
    return [(app_label, f"{action}_{model}") for model in models for action in actions]


COOPERATIONS = ("wahlperiode", "topic", "agreement", "agreementparty", "signatory", "amendment", "obligation",
                "measure", "milestone", "source")
CATALOGUE = ("themenfeld", "lebenslage", "ozgleistung", "leikaleistung", "fokusleistung", "basisdienst",
             "rolloutplan", "rollouttarget")
FUNDING = ("fundingsource", "purpose", "budgetline", "drawdown", "inkindcontribution")

GROUPS = {
    "Redaktion": [
        *_perms("cooperations", COOPERATIONS),
        *_perms("cooperations", ["reminderlog"], ["view"]),
        *_perms("ozg_monitoring", CATALOGUE),
        *_perms("organisations", ["organisation"], ["change", "view"]),
    ],
    "Monitoring": [
        ("accounts", "act_for_all_verwaltungen"),
        *_perms("ozg_monitoring", ["rolloutstatus"], ["add", "change", "view"]),
        *_perms("ozg_monitoring", ["statusevent"], ["view"]),
        *_perms("ozg_monitoring", ["monthlysnapshot"], ["change", "view"]),
        *_perms("ozg_monitoring", ["importjob"], ["add", "view"]),
        *_perms("ozg_monitoring", CATALOGUE, ["view"]),
        *_perms("organisations", ["organisation"], ["view"]),
    ],
    "Finanzen": [
        *_perms("funding", FUNDING),
        *_perms("funding", ["drawdowntransition", "reviewreminder", "yearlyreport"], ["view"]),
        ("funding", "review_drawdown"),
        ("funding", "approve_drawdown"),
        ("funding", "pay_drawdown"),
        *_perms("cooperations", ["agreement"], ["view"]),
        *_perms("organisations", ["organisation"], ["view"]),
    ],
    "Administration": [
        *_perms("auth", ["user", "group"]),
        *_perms("auth", ["permission"], ["view"]),
        *_perms("accounts", ["verwaltungmembership"]),
        *_perms("accounts", ["apitoken"], ["add", "change", "view"]),
        *_perms("otp_totp", ["totpdevice"], ["delete", "view"]),
        *_perms("otp_static", ["staticdevice"], ["delete", "view"]),
        *_perms("axes", ["accessattempt"], ["delete", "view"]),
        *_perms("axes", ["accesslog", "accessfailurelog"], ["view"]),
        *_perms("organisations", ["organisation"], ["view"]),
    ],
    "Kommune": [
        *_perms("ozg_monitoring", ["rolloutstatus"], ["change", "view"]),
    ],
}


def create_groups(apps, schema_editor):
    # The permissions of models created in this same migrate run do not exist yet (Django makes them in
    # post_migrate): make them now, for every app.
    # create_permissions skips app configs without a models module, which is what the historical app configs of
    # a migration look like; the flag is put back afterwards, so that a run against the real registry (tests)
    # leaves Django's own post_migrate permission creation working.
    for app_config in apps.get_app_configs():
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True
        try:
            create_permissions(app_config, apps=apps, verbosity=0)
        finally:
            app_config.models_module = original
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in GROUPS.items():
        permissions = []
        for app_label, codename in wanted:
            permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if permission is None:
                raise RuntimeError(f"Berechtigung {app_label}.{codename} fehlt (Gruppe {name}).")
            permissions.append(permission)
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("cooperations", "0003_measure_progress_optional_pdf_validation"),
        ("funding", "0002_seed_purposes_and_sources"),
        ("organisations", "0002_historicalorganisation_search_name_and_more"),
        ("ozg_monitoring", "0001_initial"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
