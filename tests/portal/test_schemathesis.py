"""Schemathesis against our own OpenAPI schema (/api/v1/schema/), in-process through the WSGI app.

Every operation of the schema is called with generated input (valid and invalid) by three clients: anonymous, a
Kommune token (read-write, bound to Amt Föhr-Amrum) and a staff token (acts for every Verwaltung, holds the funding
permissions). Every response must be no 5xx and match the schema: status code, content type and body.

The data are the real reference data (register, OZG catalogue, founding agreements and funding) plus a few
statuses and a drawdown, loaded once for the module in a transaction that is rolled back at its end; each test
runs in a savepoint of its own, so the writes the fuzzer makes do not leak into the next test.

Bounded and deterministic: Hypothesis derandomized, `MAX_EXAMPLES` positive and as many negative (schema-violating)
cases per operation and client, no deadline, no example database, no shrinking (a failure is reported with the
request as curl). Throttling is lifted for the run. All deviations of a client are collected and reported at once.
Schemathesis' pytest plugin (`from_fixture`) is not used: its lazy loader sets `Node._nodeid`, gone in pytest 9.
`SCHEMATHESIS_MAX_EXAMPLES=50 pytest tests/portal/test_schemathesis.py` runs a deeper search locally.
"""

import collections
import io
import os
import re

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import ApiToken, VerwaltungMembership
from accounts.services import api_token_create, membership_grant
from common.authorization import system_actor
from funding import services as funding_services
from funding.models import BudgetLine
from organisations.models import Organisation
from ozg_monitoring.models import OzgLeistung
from ozg_monitoring.services import rollout_status_bulk_upsert

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "6"))  # a deeper local run: e.g. 50
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FOEHR_AMRUM = "010545488000"  # Amt Föhr-Amrum: the Kommune token's Verwaltung
NORDFRIESLAND = "010540000000"
ALKERSUM = "010545488005"


# --- the WSGI app, in the test's transaction -----------------------------------------------------------------


@pytest.fixture(scope="module")
def wsgi_app():
    """Django's WSGI handler without the per-request connection housekeeping (as Django's test client does it):
    `close_old_connections` would otherwise close the connection that holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# --- data, once per module ---------------------------------------------------------------------------------


def _user(username, **fields):
    return get_user_model().objects.create(username=username, email=f"{username}@example.invalid", **fields)


def _build_data():
    out = io.StringIO()
    for command in ("import_register", "import_ozg_catalogue", "load_founding_agreements", "load_founding_funding"):
        call_command(command, stdout=out)

    kommune = _user("fuzz-kommune")
    kommune.groups.add(Group.objects.get(name="Kommune"))
    membership_grant(user=kommune, organisation=Organisation.objects.get(ars=FOEHR_AMRUM),
                     role=VerwaltungMembership.Role.MELDEND, by=system_actor())
    _token, kommune_key = api_token_create(user=kommune, name="Fuzz", scope=ApiToken.Scope.READ_WRITE,
        by=system_actor())

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
        {"ozg_id": ozg_id, "ars": ars, "stage": stage, "maturity_level": level,
         **({"url": f"https://dienste.example/{ozg_id}"} if stage == "online" else {})}
        for ozg_id, (ars, stage, level) in zip(
            leistungen,
            [(FOEHR_AMRUM, "geplant", 0), (FOEHR_AMRUM, "online", 3), (NORDFRIESLAND, "in_umsetzung", 1),
             (NORDFRIESLAND, "online", 4), ("010000000000", "online", 3), (FOEHR_AMRUM, "in_umsetzung", 2)],
            strict=True,
        )
    ]
    rollout_status_bulk_upsert(items=items, channel="api", by=staff)

    line = BudgetLine.objects.order_by("pk").first()
    funding_services.drawdown_request(line=line, amount="1000.00", purpose_text="Geschäftsstelle", by=staff)
    return {"kommune": kommune_key, "staff": staff_key}


@pytest.fixture(scope="module")
def api_data(django_db_setup, django_db_blocker):
    """The data set, created once in a transaction that is rolled back when the module is done."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build_data()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# --- the schema --------------------------------------------------------------------------------------------


@pytest.fixture
def no_throttling(settings, monkeypatch):
    """No 429 in a fuzz run: generous rates for every throttle scope. DRF copies the rates into the throttle class
    when it is imported, so the settings override alone would not reach it."""
    rates = collections.defaultdict(lambda: "100000/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


@pytest.fixture
def api_schema(api_data, wsgi_app, db, no_throttling):
    """The schema as the API serves it."""
    return schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", wsgi_app)


HYPOTHESIS = hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],  # no shrinking: the time stays bounded
    suppress_health_check=list(HealthCheck),
    verbosity=hypothesis.Verbosity.quiet,
)


def _known_path_parameters(operation) -> dict:
    """Keys of records that exist, so that detail and write operations are reached, not only their 404."""
    from cooperations.models import Agreement, Measure
    from funding.models import Drawdown, InKindContribution
    from ozg_monitoring.models import Lebenslage, LeikaLeistung, RolloutStatus, StatusEvent, Themenfeld

    path = operation.path
    known = {
        "/api/v1/organisations/{ars}/": lambda: {"ars": FOEHR_AMRUM},
        "/api/v1/ozg/gemeinden/{ars}/": lambda: {"ars": ALKERSUM},
        "/api/v1/cooperations/agreements/{slug}/": lambda: {"slug": Agreement.objects.order_by("pk")[0].slug},
        "/api/v1/cooperations/measures/{id}/": lambda: {"id": Measure.objects.order_by("pk")[0].pk},
        "/api/v1/funding/drawdowns/{id}/": lambda: {"id": Drawdown.objects.order_by("pk")[0].pk},
        "/api/v1/funding/in-kind/{id}/": lambda: {"id": InKindContribution.objects.order_by("pk")[0].pk},
        "/api/v1/funding/lines/{id}/": lambda: {"id": BudgetLine.objects.order_by("pk")[0].pk},
        "/api/v1/ozg/history/{id}/": lambda: {"id": StatusEvent.objects.order_by("pk")[0].pk},
        "/api/v1/ozg/lebenslagen/{id}/": lambda: {"id": Lebenslage.objects.order_by("pk")[0].catalogue_id},
        "/api/v1/ozg/themenfelder/{id}/": lambda: {"id": Themenfeld.objects.order_by("pk")[0].catalogue_id},
        "/api/v1/ozg/leika/{key}/": lambda: {"key": LeikaLeistung.objects.exclude(key=None).order_by("pk")[0].key},
        "/api/v1/ozg/leistungen/{ozg_id}/": lambda: {
            "ozg_id": RolloutStatus.objects.order_by("pk")[0].leistung.ozg_id
        },
        "/api/v1/ozg/status/{id}/": lambda: {
            "id": RolloutStatus.objects.filter(verwaltung__ars=FOEHR_AMRUM).order_by("pk")[0].pk
        },
    }
    for template, values in known.items():
        if path.startswith(template):  # the record itself and its actions (…/{id}/history/, …/{id}/approve/)
            return values()
    return {}


def _can_be_invalid(definition: dict) -> bool:
    """Whether negative cases exist: not for an operation whose only input is a free-text path segment (any
    string is a valid slug or key; Hypothesis would search in vain)."""
    parameters = definition.get("parameters", [])
    return "requestBody" in definition or any(
        parameter["in"] != "path" or parameter.get("schema", {}).get("type") != "string" for parameter in parameters
    )


def _fuzz(schema, api_data, client) -> tuple[list[str], int, int]:
    """Runs every operation of `schema` with generated positive and negative cases for `client` (None:
    anonymous). Returns the failures (one text each), the number of operations and of requests."""
    headers = {"Authorization": f"Token {api_data[client]}"} if client else {}
    failures, requests = [], 0
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        known = _known_path_parameters(operation)
        modes = [GenerationMode.POSITIVE]
        if _can_be_invalid(schema.raw_schema["paths"][operation.path][operation.method.lower()]):
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:
            strategy = operation.as_strategy(generation_mode=mode)
            if known and mode == GenerationMode.POSITIVE:  # existing records; invalid keys come from the generator
                strategy = strategy | operation.as_strategy(generation_mode=mode, path_parameters=known)

            @HYPOTHESIS
            @hypothesis.given(case=strategy)
            def run(case):
                nonlocal requests
                # A generated Authorization header would only test the token parser against itself.
                if case.headers:
                    case.headers.pop("Authorization", None)
                requests += 1
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                run()
            except hypothesis.errors.Unsatisfiable:
                pass  # no invalid value exists for a free-text path segment: nothing to send in this mode
            except (Exception, FailureGroup) as error:  # noqa: BLE001 - collected and reported all at once below
                failures.append(f"{operation.label} [{client or 'anonym'}, {mode}]: {error}")
    return failures, len(operations), requests


@pytest.mark.parametrize("client", [None, "kommune", "staff"], ids=["anonymous", "kommune_token", "staff_token"])
def test_api_conforms_to_its_schema(api_schema, api_data, client):
    failures, operations, requests = _fuzz(api_schema, api_data, client)
    assert operations >= 40
    assert requests >= operations * 2
    assert not failures, f"{len(failures)} Abweichungen:\n\n" + "\n\n".join(failures)


def test_schema_lists_only_api_operations(api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 40
    assert all(re.match(r"^/api/v1/", operation.path) for operation in operations)
