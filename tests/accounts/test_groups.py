"""The staff groups made by accounts/migrations/0002_staff_groups.py and what their members may do."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from accounts import selectors

from .factories import StaffUserFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("accounts.migrations.0002_staff_groups")
group_rights = importlib.import_module("accounts.migrations.0003_system_actor_and_group_rights")
audit_readers = importlib.import_module("accounts.migrations.0004_revision_group_and_audit_readers")
linkcheck_rights = importlib.import_module("ozg_monitoring.migrations.0004_linkcheck_rights")
federal_reads = importlib.import_module("federal.migrations.0002_monitoring_reads")
reconciliation_rights = importlib.import_module("federal.migrations.0004_reconciliation_rights")
zustaendigkeit_rights = importlib.import_module("ozg_monitoring.migrations.0007_zustaendigkeit_rights")
kommune_selfservice = importlib.import_module("ozg_monitoring.migrations.0011_kommune_imports_and_history")
# the migrations after 0002 that set rights
LATER = (
    group_rights,
    audit_readers,
    linkcheck_rights,
    federal_reads,
    zustaendigkeit_rights,
    reconciliation_rights,
    kommune_selfservice,
)
ZUSTAENDIGKEIT_PERMS = {
    f"ozg_monitoring.{op}_{model}"
    for model in ("zustaendigkeit", "zustaendigkeitausnahme")
    for op in ("add", "change", "delete", "view")
}


def perms(name) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=name).permissions.values_list("content_type__app_label", "codename")
    }


def member(name):
    user = StaffUserFactory()
    user.groups.add(Group.objects.get(name=name))
    return user


def test_the_five_groups_exist():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Redaktion",
        "Monitoring",
        "Finanzen",
        "Administration",
        "Kommune",
    }


def test_redaktion_edits_agreements_catalogue_and_register():
    granted = perms("Redaktion")
    assert {
        "cooperations.add_agreement",
        "cooperations.change_agreement",
        "cooperations.delete_agreement",
        "cooperations.change_agreementparty",
        "cooperations.change_source",
        "cooperations.view_reminderlog",
        "ozg_monitoring.change_themenfeld",
        "ozg_monitoring.change_lebenslage",
        "ozg_monitoring.change_ozgleistung",
        "ozg_monitoring.add_fokusleistung",
        "ozg_monitoring.change_rolloutplan",
        "ozg_monitoring.change_rollouttarget",
        "organisations.change_organisation",
        "organisations.view_organisation",
    } <= granted
    assert granted >= ZUSTAENDIGKEIT_PERMS  # the sourced Zuständigkeit (ozg_monitoring.0003)
    assert "organisations.add_organisation" not in granted and "organisations.delete_organisation" not in granted
    assert not {p for p in granted if p.startswith(("funding.", "auth.", "accounts."))}
    assert "ozg_monitoring.change_rolloutstatus" not in granted


def test_monitoring_acts_for_all_verwaltungen():
    assert perms("Monitoring") == {
        "accounts.act_for_all_verwaltungen",
        "ozg_monitoring.add_rolloutstatus",
        "ozg_monitoring.change_rolloutstatus",
        "ozg_monitoring.view_rolloutstatus",
        "ozg_monitoring.view_statusevent",
        "ozg_monitoring.change_monthlysnapshot",
        "ozg_monitoring.view_monthlysnapshot",
        "ozg_monitoring.add_importjob",
        "ozg_monitoring.view_importjob",
        *(f"ozg_monitoring.view_{model}" for model in migration.CATALOGUE),
        "organisations.view_organisation",
        # the link checker (ozg_monitoring.0003) and the federal record sets (federal.0002)
        "ozg_monitoring.add_linkcheck",
        "ozg_monitoring.view_linkcheck",
        "ozg_monitoring.view_brokenlink",
        "federal.view_federalrecordset",
        "federal.view_federalrecord",
        *ZUSTAENDIGKEIT_PERMS,  # ozg_monitoring.0007: the sourced Zuständigkeit (with Redaktion)
        # federal.0004: explaining differences of the reconciliation, importing federal files
        "federal.add_reconciliationnote",
        "federal.change_reconciliationnote",
        "federal.view_reconciliationnote",
        "federal.add_federalrecordset",
    }
    user = member("Monitoring")
    assert selectors.acts_for_all_verwaltungen(user)


def test_finanzen_approves_drawdowns_but_cannot_change_agreements():
    granted = perms("Finanzen")
    assert {
        "funding.review_drawdown",
        "funding.approve_drawdown",
        "funding.pay_drawdown",
        "funding.add_drawdown",
        "funding.change_drawdown",
        "funding.change_budgetline",
        "funding.add_fundingsource",
        "funding.change_inkindcontribution",
        "funding.view_yearlyreport",
        "funding.view_drawdowntransition",
        "cooperations.view_agreement",
    } <= granted
    user = member("Finanzen")
    assert user.has_perm("funding.approve_drawdown")
    assert not user.has_perm("cooperations.change_agreement")
    assert not user.has_perm("ozg_monitoring.change_rolloutstatus")
    assert not user.has_perm("auth.change_user")


def test_administration_manages_users_tokens_and_devices():
    assert {
        "auth.add_user",
        "auth.change_user",
        "auth.delete_user",
        "auth.view_user",
        "auth.view_group",
        "accounts.add_apitoken",
        "accounts.change_apitoken",
        "accounts.view_apitoken",
        "accounts.add_verwaltungmembership",
        "accounts.delete_verwaltungmembership",
        "otp_totp.delete_totpdevice",
        "otp_static.delete_staticdevice",
        "axes.delete_accessattempt",
    } <= perms("Administration")
    # A group's permissions are what every member holds: only superusers edit groups (migration 0003).
    assert not {"auth.add_group", "auth.change_group", "auth.delete_group"} & perms("Administration")
    user = member("Administration")
    assert not user.has_perm("accounts.act_for_all_verwaltungen")
    assert not user.has_perm("cooperations.change_agreement") and not user.has_perm("funding.approve_drawdown")


def test_revision_and_administration_read_the_audit_trail_and_revision_nothing_else():
    assert perms("Revision") == {"audit.view_auditentry"}
    assert "audit.view_auditentry" in perms("Administration")
    for name in ("Redaktion", "Monitoring", "Finanzen", "Kommune"):
        assert "audit.view_auditentry" not in perms(name)
    auditor = member("Revision")
    assert auditor.has_perm("audit.view_auditentry")
    assert not any(auditor.has_perm(f"audit.{op}_auditentry") for op in ("add", "change", "delete"))


def test_the_revision_migration_is_idempotent_and_reversible():
    audit_readers.forwards(apps, None)
    audit_readers.forwards(apps, None)
    assert Group.objects.filter(name="Revision").count() == 1 and perms("Revision") == {"audit.view_auditentry"}
    audit_readers.backwards(apps, None)
    assert not Group.objects.filter(name="Revision").exists()
    assert "audit.view_auditentry" not in perms("Administration")
    audit_readers.forwards(apps, None)
    assert perms("Revision") == {"audit.view_auditentry"} and "audit.view_auditentry" in perms("Administration")


def test_kommune_views_and_changes_statuses_and_imports_its_own_files_only():
    # the admin scopes every one of these to the user's own Verwaltungen (accounts.admin_scoping)
    assert perms("Kommune") == {
        "ozg_monitoring.view_rolloutstatus",
        "ozg_monitoring.change_rolloutstatus",
        "ozg_monitoring.add_importjob",
        "ozg_monitoring.view_importjob",
        "ozg_monitoring.view_statusevent",
        "ozg_monitoring.view_brokenlink",
    }
    assert not selectors.acts_for_all_verwaltungen(member("Kommune"))


def test_the_migration_is_idempotent_and_reversible():
    before = {name: perms(name) for name in migration.GROUPS}
    redaktion = Group.objects.get(name="Redaktion")
    redaktion.permissions.clear()  # drifted by hand
    migration.create_groups(apps, None)
    migration.create_groups(apps, None)
    for later in LATER:  # the chain of migrations sets the groups: 0002, then the later ones
        later.forwards(apps, None)
    assert {name: perms(name) for name in migration.GROUPS} == before
    assert Group.objects.get(name="Redaktion").pk == redaktion.pk  # updated, not duplicated
    migration.remove_groups(apps, None)
    assert not Group.objects.filter(name__in=migration.GROUPS).exists()
    migration.create_groups(apps, None)
    for later in LATER:
        later.forwards(apps, None)
    assert {name: perms(name) for name in migration.GROUPS} == before


def test_the_link_check_and_federal_rights_are_reversible():
    before = perms("Monitoring")
    linkcheck_rights.backwards(apps, None)
    federal_reads.backwards(apps, None)
    assert perms("Monitoring") == before - {
        "ozg_monitoring.add_linkcheck",
        "ozg_monitoring.view_linkcheck",
        "ozg_monitoring.view_brokenlink",
        "federal.view_federalrecordset",
        "federal.view_federalrecord",
    }
    linkcheck_rights.forwards(apps, None)
    federal_reads.forwards(apps, None)
    assert perms("Monitoring") == before


def test_the_kommune_self_service_rights_are_reversible():
    before = perms("Kommune")
    kommune_selfservice.backwards(apps, None)
    assert perms("Kommune") == {"ozg_monitoring.view_rolloutstatus", "ozg_monitoring.change_rolloutstatus"}
    kommune_selfservice.forwards(apps, None)
    assert perms("Kommune") == before
