"""The rules behind every door: one API policy, the system actor, no escalation through the admin's forms, and
service rules shown on the right field (never a 500 or a 403) in the admin."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import api_token_create
from common.authorization import is_system_actor, system_actor
from itvsh_portal.permissions import PortalPolicy
from tests.accounts.helpers import verified_client_login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_static_storage")]
User = get_user_model()


def _staff(username, *groups, **fields):
    user = User.objects.create_user(username, email=f"{username}@example.invalid", is_staff=True, **fields)
    user.groups.add(*Group.objects.filter(name__in=groups))
    return user


def _views(patterns=None):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and getattr(pattern.callback, "cls", None) is not None:
            yield pattern.callback.cls


def test_every_api_view_extends_the_one_policy():
    """The policy comes first in every view's permission classes: a view may add checks, never drop it."""
    classes = set(_views())
    assert len(classes) > 10
    wrong = sorted(cls.__name__ for cls in classes if list(cls.permission_classes)[:1] != [PortalPolicy])
    assert wrong == []


# --- the system actor --------------------------------------------------------------------------------------------


def test_the_system_actor_acts_but_can_never_sign_in(client):
    system = system_actor()
    assert system_actor().pk == system.pk  # one account
    assert is_system_actor(system) and not system.is_active and not system.has_usable_password()
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    assert authenticate(RequestFactory().post("/admin/login/"), username="system", password="") is None
    with pytest.raises(Exception, match="deaktivierte"):
        api_token_create(user=system, name="x", by=system)
    system.is_active = True  # an activated copy is an ordinary user without rights
    assert not is_system_actor(system)


def test_commands_act_as_the_system_actor(register):
    from audit.models import AuditEntry
    from cooperations.models import Agreement

    call_command("load_founding_agreements", stdout=io.StringIO())
    assert Agreement.objects.exists()
    created = AuditEntry.objects.filter(content_type__model="agreement").order_by("id").first()
    assert created.actor_label == "system"


# --- no escalation ---------------------------------------------------------------------------------------------

USER_FORM = {
    "username": "kommune-ziel",
    "first_name": "",
    "last_name": "",
    "email": "ziel@example.invalid",
    "is_active": "on",
    "date_joined_0": "2026-01-01",
    "date_joined_1": "10:00:00",
    "verwaltung_memberships-TOTAL_FORMS": "0",
    "verwaltung_memberships-INITIAL_FORMS": "0",
}


def _change(client, user, **extra):
    data = {**USER_FORM, "username": user.username, **extra}
    return client.post(f"/admin/auth/user/{user.pk}/change/", data)


@pytest.fixture
def administration(client):
    admin_user = _staff("administration", "Administration")
    verified_client_login(client, admin_user)
    return admin_user


def _groups(*names):
    return [str(pk) for pk in Group.objects.filter(name__in=names).values_list("pk", flat=True)]


def test_administration_cannot_make_anyone_superuser(client, administration):
    target = _staff("kommune-ziel", "Kommune")
    response = _change(client, target, is_staff="on", is_superuser="on", groups=_groups("Kommune"))
    assert response.status_code == 302  # the field is read-only for non-superusers: the tick is ignored
    target.refresh_from_db()
    assert not target.is_superuser
    response = _change(client, administration, is_staff="on", is_superuser="on", groups=_groups("Administration"))
    administration.refresh_from_db()
    assert not administration.is_superuser


def test_administration_cannot_grant_administration_or_staff_without_a_role(client, administration):
    target = _staff("kommune-ziel", "Kommune")
    response = _change(client, target, is_staff="on", groups=_groups("Kommune", "Administration"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["groups"] == ["Nur Superuser dürfen die Gruppe „Administration“ vergeben."]
    response = _change(client, target, is_staff="on")
    assert (
        "Mitarbeiter-Status gibt es nur zusammen mit einer Rolle"
        in response.context["adminform"].form.errors["is_staff"][0]
    )
    target.refresh_from_db()
    assert list(target.groups.values_list("name", flat=True)) == ["Kommune"] and target.is_staff
    response = _change(client, target, is_staff="on", groups=_groups("Finanzen"))  # within the roles: allowed
    assert response.status_code == 302
    assert list(target.groups.values_list("name", flat=True)) == ["Finanzen"]


def test_administration_cannot_change_its_own_privileges_or_superusers(client, administration):
    response = _change(client, administration, is_staff="on", groups=_groups("Administration", "Finanzen"))
    assert response.status_code == 200
    assert "Die eigenen Rechte (Rollen, Status) ändert nur ein Superuser." in response.content.decode()
    assert list(administration.groups.values_list("name", flat=True)) == ["Administration"]
    boss = User.objects.create_superuser("chefin", "chefin@example.invalid", "x" * 16)
    response = _change(client, boss, is_staff="on")
    assert response.status_code == 403  # a superuser's account is the superusers' to change
    assert client.get(f"/admin/auth/user/{boss.pk}/password/").status_code == 403
    peer = _staff("administration2", "Administration")
    assert _change(client, peer, is_staff="on", groups=_groups("Administration")).status_code == 403
    system = system_actor()
    assert _change(client, system, is_active="on").status_code == 403


def test_a_superuser_may_grant_what_administration_may_not(client):
    verified_client_login(client, User.objects.create_superuser("chefin", "chefin@example.invalid", "x" * 16))
    target = _staff("kommune-ziel", "Kommune")
    response = _change(client, target, is_staff="on", is_superuser="on", groups=_groups("Administration"))
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.is_superuser and list(target.groups.values_list("name", flat=True)) == ["Administration"]


def test_administration_cannot_issue_tokens_for_privileged_accounts(client, administration):
    boss = User.objects.create_superuser("chefin", "chefin@example.invalid", "x" * 16)
    peer = _staff("administration2", "Administration")
    kommune = _staff("kommune-ziel", "Kommune")
    for user, refused in ((boss, True), (peer, True), (kommune, False)):
        response = client.post(
            "/admin/accounts/apitoken/add/",
            {
                "name": "Fachverfahren",
                "user": str(user.pk),
                "scope": "read_write",
                "expires_at_0": "",
                "expires_at_1": "",
            },
        )
        if refused:
            assert response.status_code == 200
            assert "nur durch Superuser" in response.context["adminform"].form.errors["user"][0]
            assert not ApiToken.objects.filter(user=user).exists()
        else:
            assert response.status_code == 302
            assert ApiToken.objects.filter(user=user).count() == 1


def test_administration_cannot_reset_a_superusers_second_factor(client, administration):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    boss = User.objects.create_superuser("chefin", "chefin@example.invalid", "x" * 16)
    device = TOTPDevice.objects.create(user=boss, name="App", confirmed=True)
    response = client.post(
        "/admin/auth/user/", {"action": "reset_second_factor", "_selected_action": [boss.pk]}, follow=True
    )
    assert "nur durch Superuser" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert client.get(f"/admin/otp_totp/totpdevice/{device.pk}/delete/").status_code == 403
    assert client.get(f"/admin/otp_totp/totpdevice/{device.pk}/config/").status_code == 403  # no secrets shown


def test_administration_cannot_edit_group_permissions(client, administration):
    kommune = Group.objects.get(name="Kommune")
    assert (
        client.post(f"/admin/auth/group/{kommune.pk}/change/", {"name": "Kommune", "permissions": []}).status_code
        == 403
    )
    assert kommune.permissions.count() == 6  # statuses (view, change) and the self-service (ozg_monitoring 0011)


# --- rules on the right field -----------------------------------------------------------------------------------


def _inline(prefix, rows=(), initial=0):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial)}
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


def test_an_obligation_of_a_body_that_is_no_party_is_a_row_error_not_a_500(admin_client, territory):
    data = {
        "slug": "neu",
        "kind": "verwaltungskooperation",
        "title": "Neu",
        "status": "entwurf",
        "signed_on_precision": "day",
        "effective_from_precision": "day",
        "term_kind": "unknown",
        **_inline(
            "parties",
            [
                {"organisation": str(territory.land.pk), "role": "land"},
                {"organisation": str(territory.foehr.pk), "role": "partnerkommune"},
            ],
        ),
        **_inline("obligations", [{"obligor": str(territory.husum.pk), "title": "Bericht", "status": "offen"}]),
        **{
            key: value
            for prefix in ("signatories", "measures", "amendments", "sources")
            for key, value in _inline(prefix).items()
        },
    }
    response = admin_client.post("/admin/cooperations/agreement/add/", data)
    assert response.status_code == 200
    formset = next(f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "obligations")
    assert formset.formset.forms[0].errors["obligor"] == ["Die verpflichtete Stelle ist keine Partei der Vereinbarung."]
    assert 'value="Neu"' in response.content.decode()  # what was typed is still there
    from cooperations.models import Agreement

    assert not Agreement.objects.exists()
    data["obligations-0-obligor"] = str(territory.foehr.pk)  # a party, as typed in the same form
    assert admin_client.post("/admin/cooperations/agreement/add/", data).status_code == 302
    assert Agreement.objects.get().obligations.get().obligor == territory.foehr


def test_a_backward_step_needs_a_note_with_the_services_message(admin_client, territory):
    from ozg_monitoring.services import rollout_status_update
    from tests.ozg_monitoring.factories import OzgLeistungFactory

    status = rollout_status_update(
        leistung=OzgLeistungFactory(),
        verwaltung=territory.foehr,
        changes={"stage": "in_umsetzung"},
        by=system_actor(),
    )
    url = f"/admin/ozg_monitoring/rolloutstatus/{status.pk}/change/"
    form = {
        "stage": "geplant",
        "maturity_model": "2.0",
        "maturity_level": "0",
        "url": "",
        "provider": "",
        "provider_name": "",
        "platform": "",
        "planned_go_live": "",
        "actual_go_live": "",
        "note": "",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["note"] == [
        "Ein Rückschritt im Umsetzungsstand (von „in Umsetzung“ nach „geplant“) braucht eine Anmerkung."
    ]
    status.refresh_from_db()
    assert status.stage == "in_umsetzung"
    assert admin_client.post(url, {**form, "note": "Dienst vorübergehend abgeschaltet"}).status_code == 302


def test_planned_below_committed_is_a_field_error_from_the_service(admin_client, territory):
    from funding.models import Drawdown
    from tests.funding.factories import BudgetLineFactory, DrawdownFactory

    line = BudgetLineFactory()
    DrawdownFactory(line=line, amount="60000.00", status=Drawdown.Status.FREIGEGEBEN)
    response = admin_client.get(f"/admin/funding/budgetline/{line.pk}/change/")
    data = {
        name: value
        for name, value in response.context["adminform"].form.initial.items()
        if value is not None and not isinstance(value, (list, datetime.date))
    }
    data.update(
        {
            "source": line.source_id,
            "recipient": line.recipient_id,
            "purpose": line.purpose_id,
            "planned_amount": "50.000,00",  # German notation (common.forms.GermanAmountField)
            "drawdowns-TOTAL_FORMS": "0",
            "drawdowns-INITIAL_FORMS": "0",
        }
    )
    data.pop("agreement", None)
    response = admin_client.post(f"/admin/funding/budgetline/{line.pk}/change/", data)
    assert response.status_code == 200
    assert (
        response.context["adminform"]
        .form.errors["planned_amount"][0]
        .startswith("Der Planbetrag darf nicht unter den freigegebenen und ausgezahlten Betrag von 60.000,00")
    )


def test_a_refusal_at_save_time_is_shown_on_the_form(admin_client, territory, monkeypatch):
    """A rule the form could not see (a race: the money went elsewhere meanwhile) is shown with the typed data."""
    from django.core.exceptions import ValidationError

    from funding import services
    from tests.funding.factories import BudgetLineFactory

    line = BudgetLineFactory()

    def refuse(**kwargs):
        raise ValidationError({"amount": ["Abruf übersteigt den verfügbaren Betrag von 0,00 €."]})

    monkeypatch.setattr(services, "drawdown_request", refuse)
    data = {
        "line": str(line.pk),
        "amount": "500,00",
        "purpose_text": "Schulung",
        "requested_on": "2026-01-05",
        **_inline("transitions"),
    }
    response = admin_client.post("/admin/funding/drawdown/add/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["amount"] == ["Abruf übersteigt den verfügbaren Betrag von 0,00 €."]
    assert "Schulung" in response.content.decode()


def test_a_level_set_by_staff_survives_catalogue_imports(admin_client, register):
    from ozg_monitoring.models import ExecutingLevel, OzgLeistung

    call_command("import_ozg_catalogue", stdout=io.StringIO())
    leistung = OzgLeistung.objects.filter(level=ExecutingLevel.UNCLASSIFIED).first()
    redaktion = _staff("redaktion", "Redaktion")
    from ozg_monitoring.services import leistung_level_set

    leistung_level_set(leistung=leistung, level=ExecutingLevel.KREIS, by=redaktion)
    call_command("import_ozg_catalogue", stdout=io.StringIO())
    leistung.refresh_from_db()
    assert (leistung.level, leistung.level_source) == (ExecutingLevel.KREIS, OzgLeistung.LevelSource.MANUAL)
    with pytest.raises(Exception, match="Keine Berechtigung: Vollzugsebene"):
        leistung_level_set(leistung=leistung, level=ExecutingLevel.LAND, by=_staff("finanzen", "Finanzen"))


def test_a_read_only_token_of_a_superuser_cannot_write_agreements(territory):
    boss = User.objects.create_superuser("chefin", "chefin@example.invalid", "x" * 16)
    _token, key = api_token_create(user=boss, name="Lesen", scope=ApiToken.Scope.READ, by=boss)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.post(
        "/api/v1/cooperations/agreements/", {"slug": "x", "title": "X", "kind": "sonstige"}, format="json"
    )
    assert response.status_code == 403 and "nur lesen" in response.json()["detail"]
