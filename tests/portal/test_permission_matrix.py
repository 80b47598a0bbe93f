"""The permission matrix: every write door of the API and of the admin × every role, against one table.

The doors are found in the code, not listed by hand: every API view under /api/v1/ with its write operations
(POST, PUT, PATCH, DELETE and custom actions, from the URL resolver), and for every ModelAdmin of the admin site
its add, change and delete views, every action, every inline's add/change/delete and every extra URL. A door or
a role without a row in the tables below fails the test, so a new door cannot be added untested.

- API: each write is sent with a body that fails validation. An allowed role must get exactly 400 (the request
  passed the permission check and reached validation; nothing is written); a refused role 401 (no valid
  credentials) or 403 with a message and no field errors: 403 comes before validation.
- Admin: each role signs in past the second factor. A view is allowed when it answers 200 (a change form also
  editable, not only readable), an action when the change list offers it, an inline operation when the change
  form shows it; everything else is refused (403, a redirect, or read-only).
- Public pages: every class-based view outside /api/ and /admin/ that takes POST (a public form, e.g. "Barriere
  melden") is posted an invalid body by each web role: an allowed role gets 400 with the form's field errors and
  nothing is sent; a refused role 403. (Function views that take POST are not found; the portal has none.)
"""

import datetime
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.forms import Form
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken, VerwaltungMembership
from accounts.services import api_token_create, api_token_revoke, membership_grant
from common.authorization import system_actor
from tests.accounts.helpers import verified_client_login

pytestmark = pytest.mark.django_db

User = get_user_model()

# --- roles ----------------------------------------------------------------------------------------------------

API_ROLES = (
    "anonymous",
    "read_only_token",
    "kommune_meldend",
    "kommune_lesend",
    "redaktion",
    "monitoring",
    "finanzen",
    "administration",
    "revision",
    "superuser",
    "expired_token",
    "revoked_token",
    "deactivated_user",
)
ADMIN_ROLES = (
    "anonymous",
    "staff_without_role",
    "kommune_meldend",
    "kommune_lesend",
    "redaktion",
    "monitoring",
    "finanzen",
    "administration",
    "revision",
    "superuser",
    "deactivated_user",
)
UNAUTHENTICATED = {"anonymous", "expired_token", "revoked_token", "deactivated_user"}

NOBODY: frozenset = frozenset()
SU = frozenset({"superuser"})
RED = SU | {"redaktion"}
MON = SU | {"monitoring"}
FIN = SU | {"finanzen"}
ADM = SU | {"administration"}
AUDIT_READERS = ADM | {"revision"}  # migration accounts.0004: the groups Revision and Administration
STATUS_WRITERS = MON | {"kommune_meldend"}
STATUS_READERS = STATUS_WRITERS | {"kommune_lesend"}
KOMMUNE = frozenset({"kommune_meldend", "kommune_lesend"})
READERS = SU | {"redaktion", "monitoring", "finanzen", "administration"}


def _staff(username, group=None, **fields):
    user = User.objects.create_user(username, email=f"{username}@example.invalid", is_staff=True, **fields)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def world(territory):
    """One object of every kind the doors act on, and a user for every role."""
    from cooperations import services as coop
    from cooperations.models import Agreement, Milestone, ReminderLog, Topic, Wahlperiode
    from funding.models import BudgetLine, Drawdown, InKindContribution, ReviewReminder, YearlyReport
    from ozg_monitoring.models import (
        Basisdienst,
        Fokusleistung,
        ImportJob,
        LeikaLeistung,
        MonthlySnapshot,
        RolloutPlan,
        RolloutTarget,
    )
    from ozg_monitoring.services import rollout_status_update
    from tests.funding.factories import BudgetLineFactory, InKindFactory, ensure_seed_data
    from tests.ozg_monitoring.factories import OzgLeistungFactory

    system = system_actor()
    users = {
        "staff_without_role": _staff("ohne-rolle"),
        "kommune_meldend": _staff("kommune-meldend", "Kommune"),
        "kommune_lesend": _staff("kommune-lesend", "Kommune"),
        "redaktion": _staff("redaktion", "Redaktion"),
        "monitoring": _staff("monitoring", "Monitoring"),
        "finanzen": _staff("finanzen", "Finanzen"),
        "administration": _staff("administration", "Administration"),
        "revision": _staff("revision", "Revision"),
        "superuser": User.objects.create_superuser("superuser", "superuser@example.invalid", "x" * 16),
        "deactivated_user": _staff("deaktiviert", is_superuser=True, is_active=False),
    }
    membership_grant(user=users["kommune_meldend"], organisation=territory.foehr, by=system)
    membership_grant(
        user=users["kommune_lesend"], organisation=territory.foehr, role=VerwaltungMembership.Role.LESEND, by=system
    )

    agreement = coop.agreement_create(
        by=system,
        slug="kooperation-foehr",
        kind=Agreement.Kind.VERWALTUNGSKOOPERATION,
        title="Kooperation Föhr",
        status=Agreement.Status.IN_KRAFT,
        signed_on=datetime.date(2024, 5, 13),
        term_kind=Agreement.TermKind.YEARS,
        duration_years=3,
        parties=[(territory.land, "land"), (territory.foehr, "partnerkommune")],
        signatories=[("Dirk Schrödter", "Chef der Staatskanzlei", territory.land)],
        topics=[Topic.objects.first()],
    )
    measure = coop.measure_create(by=system, agreement=agreement, title="LoRaWAN-Pilot")
    Milestone.objects.create(measure=measure, title="Start", due_on=datetime.date(2025, 1, 1))
    obligation = coop.obligation_create(by=system, agreement=agreement, obligor=territory.foehr, title="Bericht")
    coop.source_create(by=system, agreement=agreement, title="Pressemitteilung", publisher="Staatskanzlei")
    ReminderLog.objects.create(
        kind=ReminderLog.Kind.OBLIGATION_DUE,
        object_id=obligation.pk,
        threshold_days=30,
        target_date=datetime.date(2026, 1, 1),
        recipients="a@example.invalid",
    )

    leistung = OzgLeistungFactory()
    LeikaLeistung.objects.create(key="99000000000001", name="LeiKa-Leistung", ozg_leistung=leistung, catalogue_row=1)
    Fokusleistung.objects.create(year=2026, leistung=leistung)
    Basisdienst.objects.create(name="OZG-Cloud")
    plan = RolloutPlan.objects.create(name="Plan", slug="plan", year=2026)
    RolloutTarget.objects.create(
        plan=plan, leistung=leistung, verwaltung=territory.foehr, due=datetime.date(2026, 12, 31)
    )
    status = rollout_status_update(
        leistung=leistung, verwaltung=territory.foehr, changes={"stage": "geplant"}, by=system
    )
    MonthlySnapshot.objects.create(date=datetime.date(2026, 1, 1))
    job = ImportJob.objects.create(uploaded_by=users["kommune_meldend"], file=ContentFile(b"ozg_id,ars\n", "a.csv"))
    from federal.models import FederalRecord, FederalRecordSet, ReconciliationNote
    from ozg_monitoring.models import LinkCheck

    link_check = LinkCheck.objects.create(status=status, url="https://dienst.example/", ok=False, http_status=404)
    record_set = FederalRecordSet.objects.create(
        kind=FederalRecordSet.Kind.FILE, source="bund.csv", status="done", finished_at=timezone.now()
    )
    federal_record = FederalRecord.objects.create(
        record_set=record_set, position=1, ars=territory.foehr.ars, ozgid=leistung.ozg_id, rule="kept"
    )
    from ozg_monitoring.models import Zustaendigkeit, ZustaendigkeitAusnahme

    sourced = {"basis": "§ 1 LMG", "source_title": "Landesmeldegesetz", "checked_on": datetime.date(2026, 12, 1)}
    zustaendigkeit = Zustaendigkeit.objects.create(leistung=leistung, level="amt_gemeinde", **sourced)
    ausnahme = ZustaendigkeitAusnahme.objects.create(
        leistung=leistung, area=territory.nf, level="kreis", handled_by=territory.nf, **sourced
    )

    ensure_seed_data()
    line = BudgetLineFactory(agreement=agreement)
    requester = _staff("antragsteller", "Finanzen")
    from funding.services import drawdown_request

    drawdown = drawdown_request(line=line, amount="1000.00", purpose_text="Geschäftsstelle", by=requester)
    InKindFactory(agreement=agreement)
    ReviewReminder.objects.create(drawdown=drawdown, week=datetime.date(2026, 11, 30), recipient_count=1)
    YearlyReport.objects.create(fiscal_year=2025, row_count=0, content="")

    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    target = User.objects.create_user("kommune-ziel", email="ziel@example.invalid")
    target.groups.add(Group.objects.get(name="Kommune"))
    TOTPDevice.objects.create(user=target, name="App", confirmed=True)
    StaticDevice.objects.create(user=target, name="Notfallcodes", confirmed=True)
    AccessAttempt.objects.create(
        username="x",
        ip_address="127.0.0.1",
        user_agent="t",
        failures_since_start=1,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/admin/login/",
    )
    AccessLog.objects.create(
        username="x", ip_address="127.0.0.1", user_agent="t", http_accept="", path_info="/admin/login/"
    )
    AccessFailureLog.objects.create(
        username="x", ip_address="127.0.0.1", user_agent="t", http_accept="", path_info="/admin/login/"
    )
    token, _key = api_token_create(user=target, name="Ziel", by=system)

    from audit.models import AuditEntry

    objects = {
        "auth.group": Group.objects.get(name="Kommune"),
        "auth.user": target,
        "otp_totp.totpdevice": TOTPDevice.objects.get(user=target),
        "otp_static.staticdevice": StaticDevice.objects.get(user=target),
        "axes.accessattempt": AccessAttempt.objects.get(),
        "axes.accesslog": AccessLog.objects.get(),
        "axes.accessfailurelog": AccessFailureLog.objects.get(),
        "organisations.organisation": territory.foehr,
        "accounts.verwaltungmembership": VerwaltungMembership.objects.get(user=users["kommune_meldend"]),
        "accounts.apitoken": token,
        "cooperations.agreement": agreement,
        "cooperations.measure": measure,
        "cooperations.obligation": obligation,
        "cooperations.wahlperiode": Wahlperiode.objects.first(),
        "cooperations.topic": Topic.objects.first(),
        "cooperations.reminderlog": ReminderLog.objects.get(),
        "ozg_monitoring.themenfeld": leistung.themenfeld,
        "ozg_monitoring.lebenslage": leistung.lebenslage,
        "ozg_monitoring.ozgleistung": leistung,
        "ozg_monitoring.leikaleistung": LeikaLeistung.objects.get(),
        "ozg_monitoring.fokusleistung": Fokusleistung.objects.get(),
        "ozg_monitoring.basisdienst": Basisdienst.objects.get(),
        "ozg_monitoring.rolloutplan": plan,
        "ozg_monitoring.rolloutstatus": status,
        "ozg_monitoring.statusevent": status.events.get(),
        "ozg_monitoring.monthlysnapshot": MonthlySnapshot.objects.get(),
        "ozg_monitoring.importjob": job,
        "ozg_monitoring.linkcheck": link_check,
        "ozg_monitoring.brokenlink": link_check,
        "federal.federalrecordset": record_set,
        "federal.federalrecord": federal_record,
        "federal.reconciliationnote": ReconciliationNote.objects.create(
            verwaltung=territory.foehr, leistung=leistung, note="erklärt"
        ),
        "ozg_monitoring.zustaendigkeit": zustaendigkeit,
        "ozg_monitoring.zustaendigkeitausnahme": ausnahme,
        "funding.fundingsource": line.source,
        "funding.purpose": line.purpose,
        "funding.budgetline": BudgetLine.objects.get(),
        "funding.drawdown": Drawdown.objects.get(),
        "funding.inkindcontribution": InKindContribution.objects.get(),
        "funding.reviewreminder": ReviewReminder.objects.get(),
        "funding.yearlyreport": YearlyReport.objects.get(),
        "audit.auditentry": AuditEntry.objects.order_by("pk").first(),
    }
    return SimpleNamespace(
        users=users,
        objects=objects,
        territory=territory,
        status=status,
        drawdown=drawdown,
        agreement=agreement,
        measure=measure,
        leistung=leistung,
    )


# --- API ------------------------------------------------------------------------------------------------------

UNSAFE = ("post", "put", "patch", "delete")


def _api_patterns(patterns=None, prefix=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def api_write_operations() -> set[str]:
    """Every write operation of a DRF view under /api/, as "<View>.<action>" (viewsets) or "<View>.<method>"."""
    found = set()
    for route, callback in _api_patterns():
        if not route.lstrip("^").startswith("api/"):
            continue
        cls = getattr(callback, "cls", None)
        if cls is None:
            continue
        actions = getattr(callback, "actions", None)
        if actions:  # a viewset route: method -> action
            for method, action in actions.items():
                if method in UNSAFE and method in cls.http_method_names:
                    found.add(f"{cls.__name__}.{action}")
        else:
            for method in UNSAFE:
                if method in cls.http_method_names and hasattr(cls, method):
                    found.add(f"{cls.__name__}.{method}")
    return found


def _drawdown(w):
    return f"/api/v1/funding/drawdowns/{w.drawdown.pk}/"


#: How to reach each write with a body that fails validation: (method, path(world), body).
API_REQUESTS = {
    "AgreementViewSet.create": ("post", lambda w: "/api/v1/cooperations/agreements/", {"title": ""}),
    "AgreementViewSet.partial_update": (
        "patch",
        lambda w: f"/api/v1/cooperations/agreements/{w.agreement.slug}/",
        {"title": ""},
    ),
    "MeasureViewSet.create": ("post", lambda w: "/api/v1/cooperations/measures/", {"title": ""}),
    "MeasureViewSet.partial_update": (
        "patch",
        lambda w: f"/api/v1/cooperations/measures/{w.measure.pk}/",
        {"progress": "viel"},
    ),
    "DrawdownViewSet.create": ("post", lambda w: "/api/v1/funding/drawdowns/", {"amount": "kein Betrag"}),
    "DrawdownViewSet.review": ("post", lambda w: _drawdown(w) + "review/", {"reason": ["keine Zeichenkette"]}),
    "DrawdownViewSet.approve": ("post", lambda w: _drawdown(w) + "approve/", {"reason": ["keine Zeichenkette"]}),
    "DrawdownViewSet.pay": ("post", lambda w: _drawdown(w) + "pay/", {"paid_on": "kein Datum"}),
    "DrawdownViewSet.reject": ("post", lambda w: _drawdown(w) + "reject/", {"reason": ["keine Zeichenkette"]}),
    "DrawdownViewSet.withdraw": ("post", lambda w: _drawdown(w) + "withdraw/", {"reason": ["keine Zeichenkette"]}),
    "StatusViewSet.partial_update": ("patch", lambda w: f"/api/v1/ozg/status/{w.status.pk}/", {"stage": "unbekannt"}),
    "StatusViewSet.bulk": ("post", lambda w: "/api/v1/ozg/status/bulk/", {"items": "keine Liste"}),
    "FederalImportView.post": ("post", lambda w: "/api/v1/ozg/import/dashboard/", {"content": "keine Liste"}),
    "ReconciliationAdoptView.post": ("post", lambda w: "/api/v1/ozg/reconciliation/adopt/", {"items": "keine Liste"}),
    "ReconciliationExplainView.post": (
        "post",
        lambda w: "/api/v1/ozg/reconciliation/explain/",
        {"items": "keine Liste"},
    ),
}

#: Who may do each API write. The status objects belong to Amt Föhr-Amrum, which the Kommune users are bound to.
API_EXPECTED = {
    "AgreementViewSet.create": RED,
    "AgreementViewSet.partial_update": RED,
    "MeasureViewSet.create": RED,
    "MeasureViewSet.partial_update": RED,
    "DrawdownViewSet.create": FIN,
    "DrawdownViewSet.review": FIN,
    "DrawdownViewSet.approve": FIN,
    "DrawdownViewSet.pay": FIN,
    "DrawdownViewSet.reject": FIN,
    "DrawdownViewSet.withdraw": FIN,
    "StatusViewSet.partial_update": STATUS_WRITERS,
    "StatusViewSet.bulk": STATUS_WRITERS,
    "FederalImportView.post": MON,  # a federal file becomes a record set (federal.add_federalrecordset)
    "ReconciliationAdoptView.post": STATUS_WRITERS,  # Kommune accounts for their own Verwaltungen
    "ReconciliationExplainView.post": MON,
}


def test_every_api_write_has_a_row_in_the_matrix():
    operations = api_write_operations()
    assert operations, "no API write operations found: the enumeration is broken"
    assert sorted(operations - set(API_EXPECTED)) == [], "API writes without a row in API_EXPECTED"
    assert sorted(set(API_EXPECTED) - operations) == [], "rows in API_EXPECTED for writes that no longer exist"
    assert set(API_REQUESTS) == set(API_EXPECTED)
    for allowed in API_EXPECTED.values():
        assert allowed <= set(API_ROLES)


def _api_client(world, role) -> APIClient:
    client = APIClient()
    if role == "anonymous":
        return client
    system = system_actor()
    user = {
        "read_only_token": world.users["kommune_meldend"],
        "expired_token": world.users["superuser"],
        "revoked_token": world.users["superuser"],
    }.get(role) or world.users[role]
    scope = ApiToken.Scope.READ if role == "read_only_token" else ApiToken.Scope.READ_WRITE
    expires = timezone.now() + datetime.timedelta(days=1)
    token, key = api_token_create(user=user, name=f"Matrix {role}", scope=scope, expires_at=expires, by=system)
    if role == "expired_token":
        past = timezone.now() - datetime.timedelta(minutes=1)
        ApiToken.objects.filter(pk=token.pk).update(created_at=past - datetime.timedelta(days=1), expires_at=past)
    if role == "revoked_token":
        api_token_revoke(token=token, by=system)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.mark.parametrize("operation", sorted(API_EXPECTED))
def test_api_write_matrix(world, operation):
    method, path, body = API_REQUESTS[operation]
    deactivated = world.users["deactivated_user"]
    unexpected = []
    for role in API_ROLES:
        if role == "deactivated_user":  # its token was issued while it was active
            User.objects.filter(pk=deactivated.pk).update(is_active=True)
            deactivated.is_active = True
            client = _api_client(world, role)
            User.objects.filter(pk=deactivated.pk).update(is_active=False)
        else:
            client = _api_client(world, role)
        response = getattr(client, method)(path(world), body, format="json")
        allowed = role in API_EXPECTED[operation]
        code = response.status_code
        if allowed and code != 400:
            unexpected.append(f"{role}: expected 400 (allowed, then refused by validation), got {code}")
        if not allowed:
            want = 401 if role in UNAUTHENTICATED else 403
            if code != want:
                unexpected.append(f"{role}: expected {want} (refused), got {code} {response.content[:120]!r}")
            elif set(response.json()) - {"detail", "code"}:
                unexpected.append(f"{role}: refused with field errors (validation before permission)")
    assert not unexpected, f"{operation}:\n" + "\n".join(unexpected)


# --- admin ----------------------------------------------------------------------------------------------------


def admin_operations() -> dict[str, tuple]:
    """Every admin door: "<model>:add|change|delete", "<model>:action:<name>", "<model>:inline:<model>:<op>",
    "<model>:url:<name>". Values: (model_admin, kind, detail)."""
    found = {}
    standard = {"changelist", "add", "history", "delete", "change", "autocomplete", "password_change", "simple_history"}
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        for op in ("add", "change", "delete"):
            found[f"{label}:{op}"] = (model_admin, op, None)
        for _func, name, _description in model_admin._get_base_actions():
            found[f"{label}:action:{name}"] = (model_admin, "action", name)
        for inline in model_admin.inlines:
            for op in ("add", "change", "delete"):
                found[f"{label}:inline:{inline.model._meta.label_lower}:{op}"] = (model_admin, "inline", (inline, op))
        for url in model_admin.get_urls():
            name = getattr(url, "name", None) or ""
            suffix = name.removeprefix(f"{model._meta.app_label}_{model._meta.model_name}_")
            if name and suffix not in standard:
                found[f"{label}:url:{suffix}"] = (model_admin, "url", name)
    return found


#: Who may use each admin door. Read-only records (audit, history, logs, reminders sent, reports, snapshots) are
#: NOBODY's to write; groups only the superusers'; Kommune users change their own Verwaltung's statuses.
ADMIN_EXPECTED: dict[str, frozenset] = {
    "accounts.apitoken:action:delete_selected": NOBODY,
    "accounts.apitoken:action:revoke_tokens": ADM | KOMMUNE,  # Kommunen: their own tokens (issue 17, item 8)
    "accounts.apitoken:add": ADM | KOMMUNE,  # Kommunen: for themselves, scope at most their own rights
    "accounts.apitoken:change": NOBODY,
    "accounts.apitoken:delete": NOBODY,
    "accounts.verwaltungmembership:action:delete_selected": ADM,
    "accounts.verwaltungmembership:add": ADM,
    "accounts.verwaltungmembership:change": ADM,
    "accounts.verwaltungmembership:delete": ADM,
    "audit.auditentry:action:delete_selected": NOBODY,
    "audit.auditentry:action:export_csv": AUDIT_READERS,
    "audit.auditentry:add": NOBODY,
    "audit.auditentry:change": NOBODY,
    "audit.auditentry:delete": NOBODY,
    "auth.group:action:delete_selected": SU,
    "auth.group:add": SU,
    "auth.group:change": SU,
    "auth.group:delete": SU,
    "auth.user:action:delete_selected": ADM,
    "auth.user:action:reset_second_factor": ADM,
    "auth.user:add": ADM,
    "auth.user:change": ADM,
    "auth.user:delete": ADM,
    "auth.user:inline:accounts.verwaltungmembership:add": ADM,
    "auth.user:inline:accounts.verwaltungmembership:change": ADM,
    "auth.user:inline:accounts.verwaltungmembership:delete": ADM,
    "axes.accessattempt:action:cleanup_expired_attempts": ADM,
    "axes.accessattempt:action:delete_selected": ADM,
    "axes.accessattempt:add": NOBODY,
    "axes.accessattempt:change": NOBODY,
    "axes.accessattempt:delete": ADM,
    "axes.accessfailurelog:action:delete_selected": SU,
    "axes.accessfailurelog:add": NOBODY,
    "axes.accessfailurelog:change": NOBODY,
    "axes.accessfailurelog:delete": SU,
    "axes.accesslog:action:delete_selected": SU,
    "axes.accesslog:add": NOBODY,
    "axes.accesslog:change": NOBODY,
    "axes.accesslog:delete": SU,
    "cooperations.agreement:action:delete_selected": RED,
    "cooperations.agreement:action:export_csv": RED | FIN,
    "cooperations.agreement:add": RED,
    "cooperations.agreement:change": RED,
    "cooperations.agreement:delete": RED,
    "cooperations.agreement:inline:cooperations.agreementparty:add": RED,
    "cooperations.agreement:inline:cooperations.agreementparty:change": RED,
    "cooperations.agreement:inline:cooperations.agreementparty:delete": RED,
    "cooperations.agreement:inline:cooperations.amendment:add": RED,
    "cooperations.agreement:inline:cooperations.amendment:change": RED,
    "cooperations.agreement:inline:cooperations.amendment:delete": RED,
    "cooperations.agreement:inline:cooperations.measure:add": RED,
    "cooperations.agreement:inline:cooperations.measure:change": RED,
    "cooperations.agreement:inline:cooperations.measure:delete": RED,
    "cooperations.agreement:inline:cooperations.obligation:add": RED,
    "cooperations.agreement:inline:cooperations.obligation:change": RED,
    "cooperations.agreement:inline:cooperations.obligation:delete": RED,
    "cooperations.agreement:inline:cooperations.signatory:add": RED,
    "cooperations.agreement:inline:cooperations.signatory:change": RED,
    "cooperations.agreement:inline:cooperations.signatory:delete": RED,
    "cooperations.agreement:inline:cooperations.source:add": RED,
    "cooperations.agreement:inline:cooperations.source:change": RED,
    "cooperations.agreement:inline:cooperations.source:delete": RED,
    "cooperations.agreement:url:organisations": READERS,  # the organisation autocomplete: who reads the register
    "cooperations.agreement:url:renew": RED,
    "cooperations.agreement:url:responsible": RED,  # the responsible person's autocomplete: no user admin rights
    "cooperations.measure:action:delete_selected": RED,
    "cooperations.measure:add": RED,
    "cooperations.measure:change": RED,
    "cooperations.measure:delete": RED,
    "cooperations.measure:inline:cooperations.milestone:add": RED,
    "cooperations.measure:inline:cooperations.milestone:change": RED,
    "cooperations.measure:inline:cooperations.milestone:delete": RED,
    "cooperations.obligation:action:delete_selected": RED,
    "cooperations.obligation:add": RED,
    "cooperations.obligation:change": RED,
    "cooperations.obligation:delete": RED,
    "cooperations.reminderlog:action:delete_selected": NOBODY,
    "cooperations.reminderlog:add": NOBODY,
    "cooperations.reminderlog:change": NOBODY,
    "cooperations.reminderlog:delete": NOBODY,
    "cooperations.reminderlog:url:preview": RED,
    "cooperations.topic:action:delete_selected": RED,
    "cooperations.topic:add": RED,
    "cooperations.topic:change": RED,
    "cooperations.topic:delete": RED,
    "cooperations.wahlperiode:action:delete_selected": RED,
    "cooperations.wahlperiode:add": RED,
    "cooperations.wahlperiode:change": RED,
    "cooperations.wahlperiode:delete": RED,
    "federal.federalrecord:action:delete_selected": NOBODY,
    "federal.federalrecord:add": NOBODY,
    "federal.federalrecord:change": NOBODY,
    "federal.federalrecord:delete": NOBODY,
    "federal.federalrecordset:action:delete_selected": NOBODY,
    "federal.federalrecordset:add": NOBODY,
    "federal.federalrecordset:change": NOBODY,
    "federal.federalrecordset:delete": NOBODY,
    "federal.federalrecordset:url:reconciliation": MON,
    "federal.federalrecordset:url:reconciliation_adopt": MON,
    "federal.federalrecordset:url:reconciliation_explain": MON,
    "federal.reconciliationnote:action:delete_selected": NOBODY,
    "federal.reconciliationnote:add": NOBODY,
    "federal.reconciliationnote:change": NOBODY,
    "federal.reconciliationnote:delete": NOBODY,
    "funding.budgetline:action:delete_selected": FIN,
    "funding.budgetline:action:export_csv": FIN,
    "funding.budgetline:add": FIN,
    "funding.budgetline:change": FIN,
    "funding.budgetline:delete": FIN,
    "funding.budgetline:inline:funding.drawdown:add": NOBODY,
    "funding.budgetline:inline:funding.drawdown:change": NOBODY,
    "funding.budgetline:inline:funding.drawdown:delete": NOBODY,
    "funding.drawdown:action:approve": FIN,
    "funding.drawdown:action:delete_selected": NOBODY,
    "funding.drawdown:action:export_csv": FIN,
    "funding.drawdown:action:pay": FIN,
    "funding.drawdown:action:reject": FIN,
    "funding.drawdown:action:review": FIN,
    "funding.drawdown:action:withdraw": FIN,
    "funding.drawdown:add": FIN,
    "funding.drawdown:change": NOBODY,
    "funding.drawdown:delete": NOBODY,
    "funding.drawdown:inline:funding.drawdowntransition:add": NOBODY,
    "funding.drawdown:inline:funding.drawdowntransition:change": NOBODY,
    "funding.drawdown:inline:funding.drawdowntransition:delete": NOBODY,
    "funding.fundingsource:action:delete_selected": FIN,
    "funding.fundingsource:add": FIN,
    "funding.fundingsource:change": FIN,
    "funding.fundingsource:delete": FIN,
    "funding.inkindcontribution:action:delete_selected": FIN,
    "funding.inkindcontribution:add": FIN,
    "funding.inkindcontribution:change": FIN,
    "funding.inkindcontribution:delete": FIN,
    "funding.purpose:action:delete_selected": FIN,
    "funding.purpose:add": FIN,
    "funding.purpose:change": FIN,
    "funding.purpose:delete": FIN,
    "funding.reviewreminder:action:delete_selected": NOBODY,
    "funding.reviewreminder:add": NOBODY,
    "funding.reviewreminder:change": NOBODY,
    "funding.reviewreminder:delete": NOBODY,
    "funding.yearlyreport:action:delete_selected": NOBODY,
    "funding.yearlyreport:action:download": FIN,
    "funding.yearlyreport:add": NOBODY,
    "funding.yearlyreport:change": NOBODY,
    "funding.yearlyreport:delete": NOBODY,
    "organisations.organisation:action:delete_selected": SU,
    "organisations.organisation:action:export_csv": READERS,
    "organisations.organisation:add": SU,
    "organisations.organisation:change": RED,
    "organisations.organisation:delete": NOBODY,
    "otp_static.staticdevice:action:delete_selected": ADM,
    "otp_static.staticdevice:add": SU,
    "otp_static.staticdevice:change": SU,
    "otp_static.staticdevice:delete": ADM,
    "otp_static.staticdevice:inline:otp_static.statictoken:add": NOBODY,
    "otp_static.staticdevice:inline:otp_static.statictoken:change": NOBODY,
    "otp_static.staticdevice:inline:otp_static.statictoken:delete": NOBODY,
    "otp_totp.totpdevice:action:delete_selected": ADM,
    "otp_totp.totpdevice:add": SU,
    "otp_totp.totpdevice:change": SU,
    "otp_totp.totpdevice:delete": ADM,
    "otp_totp.totpdevice:url:config": NOBODY,
    "otp_totp.totpdevice:url:qrcode": NOBODY,
    "ozg_monitoring.basisdienst:action:delete_selected": RED,
    "ozg_monitoring.basisdienst:add": RED,
    "ozg_monitoring.basisdienst:change": RED,
    "ozg_monitoring.basisdienst:delete": RED,
    "ozg_monitoring.brokenlink:action:delete_selected": NOBODY,
    "ozg_monitoring.brokenlink:add": NOBODY,
    "ozg_monitoring.brokenlink:change": NOBODY,
    "ozg_monitoring.brokenlink:delete": NOBODY,
    "ozg_monitoring.fokusleistung:action:delete_selected": RED,
    "ozg_monitoring.fokusleistung:add": RED,
    "ozg_monitoring.fokusleistung:change": RED,
    "ozg_monitoring.fokusleistung:delete": RED,
    "ozg_monitoring.importjob:action:delete_selected": NOBODY,
    "ozg_monitoring.importjob:add": STATUS_WRITERS,  # a Kommune uploads its own file (issue 17, item 8)
    "ozg_monitoring.importjob:change": NOBODY,
    "ozg_monitoring.importjob:delete": NOBODY,
    "ozg_monitoring.importjob:url:progress": MON | {"kommune_meldend"},  # the uploader: the world's job is hers
    "ozg_monitoring.importjob:url:report": MON | {"kommune_meldend"},
    "ozg_monitoring.importjob:url:template": STATUS_READERS,
    "ozg_monitoring.lebenslage:action:delete_selected": RED,
    "ozg_monitoring.lebenslage:add": RED,
    "ozg_monitoring.lebenslage:change": RED,
    "ozg_monitoring.lebenslage:delete": RED,
    "ozg_monitoring.leikaleistung:action:delete_selected": RED,
    "ozg_monitoring.leikaleistung:add": RED,
    "ozg_monitoring.leikaleistung:change": RED,
    "ozg_monitoring.leikaleistung:delete": RED,
    "ozg_monitoring.linkcheck:action:delete_selected": NOBODY,
    "ozg_monitoring.linkcheck:add": NOBODY,
    "ozg_monitoring.linkcheck:change": NOBODY,
    "ozg_monitoring.linkcheck:delete": NOBODY,
    "ozg_monitoring.monthlysnapshot:action:delete_selected": NOBODY,
    "ozg_monitoring.monthlysnapshot:action:recompute": MON,
    "ozg_monitoring.monthlysnapshot:add": NOBODY,
    "ozg_monitoring.monthlysnapshot:change": NOBODY,
    "ozg_monitoring.monthlysnapshot:delete": NOBODY,
    "ozg_monitoring.ozgleistung:action:delete_selected": RED,
    "ozg_monitoring.ozgleistung:add": RED,
    "ozg_monitoring.ozgleistung:change": RED,
    "ozg_monitoring.ozgleistung:delete": RED,
    "ozg_monitoring.rolloutplan:action:delete_selected": RED,
    "ozg_monitoring.rolloutplan:add": RED,
    "ozg_monitoring.rolloutplan:change": RED,
    "ozg_monitoring.rolloutplan:delete": RED,
    "ozg_monitoring.rolloutplan:inline:ozg_monitoring.rollouttarget:add": RED,
    "ozg_monitoring.rolloutplan:inline:ozg_monitoring.rollouttarget:change": RED,
    "ozg_monitoring.rolloutplan:inline:ozg_monitoring.rollouttarget:delete": RED,
    "ozg_monitoring.rolloutstatus:action:check_links": MON,
    "ozg_monitoring.rolloutstatus:action:delete_selected": NOBODY,
    "ozg_monitoring.rolloutstatus:action:export_csv": STATUS_READERS,
    "ozg_monitoring.rolloutstatus:action:mark_geplant": STATUS_WRITERS,
    "ozg_monitoring.rolloutstatus:action:mark_in_umsetzung": STATUS_WRITERS,
    "ozg_monitoring.rolloutstatus:add": MON,
    "ozg_monitoring.rolloutstatus:change": STATUS_WRITERS,
    "ozg_monitoring.rolloutstatus:delete": NOBODY,
    "ozg_monitoring.rolloutstatus:url:missing": STATUS_READERS,  # "Leistungen ohne Stand" (read only)
    "ozg_monitoring.statusevent:action:delete_selected": NOBODY,
    "ozg_monitoring.statusevent:add": NOBODY,
    "ozg_monitoring.statusevent:change": NOBODY,
    "ozg_monitoring.statusevent:delete": NOBODY,
    "ozg_monitoring.zustaendigkeit:action:delete_selected": RED | MON,
    "ozg_monitoring.zustaendigkeit:action:export_csv": RED | MON,
    "ozg_monitoring.zustaendigkeit:add": RED | MON,
    "ozg_monitoring.zustaendigkeit:change": RED | MON,
    "ozg_monitoring.zustaendigkeit:delete": RED | MON,
    "ozg_monitoring.zustaendigkeitausnahme:action:delete_selected": RED | MON,
    "ozg_monitoring.zustaendigkeitausnahme:action:export_csv": RED | MON,
    "ozg_monitoring.zustaendigkeitausnahme:add": RED | MON,
    "ozg_monitoring.zustaendigkeitausnahme:change": RED | MON,
    "ozg_monitoring.zustaendigkeitausnahme:delete": RED | MON,
    "ozg_monitoring.themenfeld:action:delete_selected": RED,
    "ozg_monitoring.themenfeld:add": RED,
    "ozg_monitoring.themenfeld:change": RED,
    "ozg_monitoring.themenfeld:delete": RED,
}


def test_every_admin_door_has_a_row_in_the_matrix():
    operations = admin_operations()
    assert len(operations) > 100, "the admin enumeration found too few doors"
    assert sorted(set(operations) - set(ADMIN_EXPECTED)) == [], "admin doors without a row in ADMIN_EXPECTED"
    assert sorted(set(ADMIN_EXPECTED) - set(operations)) == [], "rows in ADMIN_EXPECTED for doors that are gone"
    for allowed in ADMIN_EXPECTED.values():
        assert allowed <= set(ADMIN_ROLES)


def _admin_client(world, role) -> Client:
    client = Client()
    if role == "anonymous":
        return client
    user = world.users[role]
    if role == "deactivated_user":
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client
    return verified_client_login(client, user)


def _allowed_admin(client, world, key, model_admin, kind, detail) -> bool:
    model = model_admin.model
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    obj = world.objects[model._meta.label_lower]
    if kind == "add":
        return client.get(reverse(f"{prefix}_add")).status_code == 200
    if kind == "delete":
        return client.get(reverse(f"{prefix}_delete", args=[obj.pk])).status_code == 200
    if kind == "change":  # an editable form: a form that shows only read-only fields changes nothing
        response = client.get(reverse(f"{prefix}_change", args=[obj.pk]))
        return (
            response.status_code == 200
            and bool(response.context_data.get("has_change_permission"))
            and bool(response.context_data["adminform"].form.fields)
        )
    if kind == "action":
        response = client.get(reverse(f"{prefix}_changelist"))
        if response.status_code != 200 or response.context_data.get("action_form") is None:
            return False
        return detail in {name for name, _label in response.context_data["action_form"].fields["action"].choices}
    if kind == "inline":
        inline, op = detail
        response = client.get(reverse(f"{prefix}_change", args=[obj.pk]))
        if response.status_code != 200:
            return False
        for formset in response.context_data.get("inline_admin_formsets", []):
            if formset.opts.model is not inline.model:
                continue
            if op == "delete":
                return bool(formset.has_delete_permission and formset.formset.can_delete)
            if op == "change":
                editable = set(formset.formset.form.base_fields) - set(formset.readonly_fields)
                return bool(formset.has_change_permission and editable - {"id", "DELETE", inline.fk_name})
            return bool(formset.has_add_permission)
        return False
    if kind == "url":
        try:
            url = reverse(f"admin:{detail}", args=[obj.pk])
        except NoReverseMatch:  # a page of the whole model (a preview, an autocomplete, the import's template file)
            url = reverse(f"admin:{detail}")
        return client.get(url).status_code == 200
    raise AssertionError(kind)


# --- public pages -------------------------------------------------------------------------------------------------

EVERYONE = frozenset(ADMIN_ROLES)


def public_write_doors() -> set[str]:
    """The route of every class-based view outside /api/ and /admin/ that accepts POST."""
    found = set()
    for route, callback in _api_patterns():
        route = route.lstrip("^")
        if route.startswith(("api/", "admin/")):
            continue
        cls = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
        if cls is not None and hasattr(cls, "post") and "post" in cls.http_method_names:
            found.add(route)
    return found


#: How to post each public form with a body that fails validation, and who may.
PUBLIC_REQUESTS = {"barrierefreiheit/": ("/barrierefreiheit/", {"description": ""})}
PUBLIC_EXPECTED = {"barrierefreiheit/": EVERYONE}  # anyone may report a barrier, signed in or not


def test_every_public_form_has_a_row_in_the_matrix():
    doors = public_write_doors()
    assert "barrierefreiheit/" in doors, "the enumeration of public forms is broken"
    assert sorted(doors - set(PUBLIC_EXPECTED)) == [], "public forms without a row in PUBLIC_EXPECTED"
    assert sorted(set(PUBLIC_EXPECTED) - doors) == [], "rows in PUBLIC_EXPECTED for forms that are gone"
    assert set(PUBLIC_REQUESTS) == set(PUBLIC_EXPECTED)


@pytest.mark.parametrize("door", sorted(PUBLIC_EXPECTED))
def test_public_form_matrix(world, door, settings, plain_static_storage):
    from django.core import mail

    settings.PORTAL_ACCESSIBILITY_EMAIL = "barrierefreiheit@itvsh.example"
    path, body = PUBLIC_REQUESTS[door]
    unexpected = []
    for role in ADMIN_ROLES:
        response = _admin_client(world, role).post(path, body)
        if role in PUBLIC_EXPECTED[door]:
            context = response.context
            form_errors = context is not None and any(
                isinstance(context[key], Form) and context[key].errors
                for key in context.keys()  # noqa: SIM118 - a ContextList iterates its contexts
            )
            if response.status_code != 400 or not form_errors:
                unexpected.append(f"{role}: expected 400 with field errors, got {response.status_code}")
        elif response.status_code != 403:
            unexpected.append(f"{role}: expected 403 (refused), got {response.status_code}")
    assert not unexpected, f"{door}:\n" + "\n".join(unexpected)
    assert mail.outbox == []


@pytest.mark.parametrize("label", sorted({m._meta.label_lower for m in admin.site._registry}))
def test_admin_matrix(world, label, plain_static_storage):
    doors = {key: value for key, value in admin_operations().items() if key.split(":", 1)[0] == label}
    clients = {role: _admin_client(world, role) for role in ADMIN_ROLES}
    actual = {
        key: frozenset(role for role in ADMIN_ROLES if _allowed_admin(clients[role], world, key, *door))
        for key, door in doors.items()
    }
    wrong = [
        f"{key}: expected {sorted(ADMIN_EXPECTED.get(key, ()))}, actual {sorted(allowed)}"
        for key, allowed in sorted(actual.items())
        if allowed != ADMIN_EXPECTED.get(key)
    ]
    assert not wrong, "\n".join(wrong)


def test_audit_trail_is_read_by_superusers_administration_and_revision(world, plain_static_storage):
    """The one read door that matters here: the audit trail (its list, an entry, the per-object filter)."""
    entry = world.objects["audit.auditentry"]
    agreement = world.agreement
    readers = set()
    changelist = reverse("admin:audit_auditentry_changelist")
    for role in ADMIN_ROLES:
        client = _admin_client(world, role)
        pages = [
            client.get(changelist),
            client.get(reverse("admin:audit_auditentry_change", args=[entry.pk])),
            client.get(changelist, {"objekt": f"cooperations.agreement:{agreement.pk}"}),
        ]
        if all(page.status_code == 200 for page in pages):
            readers.add(role)
        else:
            assert all(page.status_code in (302, 403) for page in pages), role
    assert readers == AUDIT_READERS


#: The rule behind the workflow doors: whoever requested a drawdown may not take its next steps, though the
#: role (Finanzen) allows the door. Each step: (admin action, extra form data), tried first by the requester.
FOUR_EYES_STEPS = [
    ("review", {"reason": "geprüft"}),
    ("approve", {"reason": "frei"}),
    ("pay", {"paid_on": "", "payment_reference": "KR-4"}),
]


def test_four_eyes_on_every_drawdown_step_including_payment(world, plain_static_storage):
    from django.contrib.messages import get_messages

    from funding.models import Drawdown

    drawdown = world.drawdown
    requester = verified_client_login(Client(), User.objects.get(username="antragsteller"))
    colleague = _admin_client(world, "finanzen")
    changelist = reverse("admin:funding_drawdown_changelist")
    for action, extra in FOUR_EYES_STEPS:
        data = {"action": action, "_selected_action": [drawdown.pk], "apply": "1", **extra}
        if action == "pay":
            data["paid_on"] = timezone.localdate().isoformat()
        before = Drawdown.objects.get(pk=drawdown.pk).status
        refused = requester.post(changelist, data)
        assert any("Vier-Augen-Prinzip" in str(m) for m in get_messages(refused.wsgi_request)), action
        assert Drawdown.objects.get(pk=drawdown.pk).status == before, action
        colleague.post(changelist, data)
        assert Drawdown.objects.get(pk=drawdown.pk).status != before, action
    assert Drawdown.objects.get(pk=drawdown.pk).status == Drawdown.Status.AUSGEZAHLT
