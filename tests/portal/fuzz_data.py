"""The data set of the API fuzz tests (schemathesis, tests/portal/test_schemathesis.py, and the malformed-input
fuzz, tests/portal/test_input_fuzz.py): the real reference data (register, OZG catalogue, founding agreements and
funding) plus a few statuses and a drawdown, and one token of each kind. The fixtures that load it once per module
(in a transaction rolled back at its end) are in tests/portal/conftest.py."""

import io

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from accounts.models import ApiToken, VerwaltungMembership
from accounts.services import api_token_create, membership_grant
from common.authorization import system_actor
from funding import services as funding_services
from funding.models import BudgetLine
from organisations.models import Organisation
from ozg_monitoring.models import OzgLeistung
from ozg_monitoring.services import rollout_status_bulk_upsert

FOEHR_AMRUM = "010545488000"  # Amt Föhr-Amrum: the Kommune token's Verwaltung
NORDFRIESLAND = "010540000000"
ALKERSUM = "010545488005"


def _user(username, **fields):
    return get_user_model().objects.create(username=username, email=f"{username}@example.invalid", **fields)


def build_api_data() -> dict:
    """Loads the data set; returns the token keys by kind: `kommune` (read-write, bound to Amt Föhr-Amrum),
    `readonly` (the same Kommune account, read only) and `staff` (acts for every Verwaltung, holds the funding and
    cooperations permissions)."""
    out = io.StringIO()
    for command in ("import_register", "import_ozg_catalogue", "load_founding_agreements", "load_founding_funding"):
        call_command(command, stdout=out)

    kommune = _user("fuzz-kommune")
    kommune.groups.add(Group.objects.get(name="Kommune"))
    membership_grant(
        user=kommune,
        organisation=Organisation.objects.get(ars=FOEHR_AMRUM),
        role=VerwaltungMembership.Role.MELDEND,
        by=system_actor(),
    )
    _token, kommune_key = api_token_create(
        user=kommune, name="Fuzz", scope=ApiToken.Scope.READ_WRITE, by=system_actor()
    )
    _token, readonly_key = api_token_create(
        user=kommune, name="Fuzz lesend", scope=ApiToken.Scope.READ, by=system_actor()
    )

    staff = _user("fuzz-staff", is_staff=True)
    staff.user_permissions.add(
        Permission.objects.get(content_type__app_label="accounts", codename="act_for_all_verwaltungen"),
        Permission.objects.get(content_type__app_label="ozg_monitoring", codename="change_rolloutstatus"),
        *Permission.objects.filter(content_type__app_label__in=["funding", "cooperations"]),
    )
    staff = get_user_model().objects.get(pk=staff.pk)  # fresh permission cache
    _token, staff_key = api_token_create(user=staff, name="Fuzz", scope=ApiToken.Scope.READ_WRITE, by=system_actor())

    # A few statuses (with their history) for the Kommune's Amt, its Kreis and the Land.
    leistungen = list(OzgLeistung.objects.order_by("ozg_id").values_list("ozg_id", flat=True)[:6])
    items = [
        {
            "ozg_id": ozg_id,
            "ars": ars,
            "stage": stage,
            "maturity_level": level,
            **({"url": f"https://dienste.example/{ozg_id}"} if stage == "online" else {}),
        }
        for ozg_id, (ars, stage, level) in zip(
            leistungen,
            [
                (FOEHR_AMRUM, "geplant", 0),
                (FOEHR_AMRUM, "online", 3),
                (NORDFRIESLAND, "in_umsetzung", 1),
                (NORDFRIESLAND, "online", 4),
                ("010000000000", "online", 3),
                (FOEHR_AMRUM, "in_umsetzung", 2),
            ],
            strict=True,
        )
    ]
    rollout_status_bulk_upsert(items=items, by=staff)

    line = BudgetLine.objects.order_by("pk").first()
    BudgetLine.objects.filter(pk=line.pk).update(payments_recorded=True)  # founding pledges record no payments
    line.refresh_from_db()
    funding_services.drawdown_request(line=line, amount="1000.00", purpose_text="Geschäftsstelle", by=staff)
    return {"kommune": kommune_key, "readonly": readonly_key, "staff": staff_key}


def known_path_parameters(path: str) -> dict:
    """Keys of records that exist, by the schema's path template, so that detail and write operations are reached,
    not only their 404. The record itself and its actions (…/{id}/history/, …/{id}/approve/) share the key."""
    from cooperations.models import Agreement, Measure
    from funding.models import Drawdown, InKindContribution
    from ozg_monitoring.models import Lebenslage, LeikaLeistung, RolloutStatus, StatusEvent, Themenfeld

    known = {
        "/api/v1/organisations/{ars}/": lambda: {"ars": FOEHR_AMRUM},
        "/api/v1/ozg/gemeinden/{ars}/": lambda: {"ars": ALKERSUM},
        "/api/v1/bund/v1/data/{ars}/": lambda: {"ars": FOEHR_AMRUM},
        "/api/v1/cooperations/agreements/{slug}/": lambda: {"slug": Agreement.objects.order_by("pk")[0].slug},
        "/api/v1/cooperations/measures/{id}/": lambda: {"id": Measure.objects.order_by("pk")[0].pk},
        "/api/v1/funding/drawdowns/{id}/": lambda: {"id": Drawdown.objects.order_by("pk")[0].pk},
        "/api/v1/funding/in-kind/{id}/": lambda: {"id": InKindContribution.objects.order_by("pk")[0].pk},
        "/api/v1/funding/lines/{id}/": lambda: {"id": BudgetLine.objects.order_by("pk")[0].pk},
        "/api/v1/ozg/history/{id}/": lambda: {"id": StatusEvent.objects.order_by("pk")[0].pk},
        "/api/v1/ozg/lebenslagen/{id}/": lambda: {"id": Lebenslage.objects.order_by("pk")[0].catalogue_id},
        "/api/v1/ozg/themenfelder/{id}/": lambda: {"id": Themenfeld.objects.order_by("pk")[0].catalogue_id},
        "/api/v1/ozg/leika/{key}/": lambda: {"key": LeikaLeistung.objects.exclude(key=None).order_by("pk")[0].key},
        "/api/v1/ozg/leistungen/{ozg_id}/": lambda: {"ozg_id": RolloutStatus.objects.order_by("pk")[0].leistung.ozg_id},
        "/api/v1/ozg/status/{id}/": lambda: {
            "id": RolloutStatus.objects.filter(verwaltung__ars=FOEHR_AMRUM).order_by("pk")[0].pk
        },
    }
    for template, values in known.items():
        if path.startswith(template):
            return values()
    return {}
