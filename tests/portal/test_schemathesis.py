"""Schemathesis against our own OpenAPI schema (/api/v1/schema/), in-process through the WSGI app.

Every operation of the schema is called with generated input (valid and invalid) by three clients: anonymous, a
Kommune token (read-write, bound to Amt Föhr-Amrum) and a staff token (acts for every Verwaltung, holds the funding
permissions). Every response must be no 5xx and match the schema: status code, content type and body.

The data are the fuzz data set (tests/portal/fuzz_data.py: the real reference data plus a few statuses and a
drawdown), loaded once for the module in a transaction that is rolled back at its end (fixtures in
tests/portal/conftest.py, shared with the malformed-input fuzz tests/portal/test_input_fuzz.py); each test runs in
a savepoint of its own, so the writes the fuzzer makes do not leak into the next test.

Bounded and deterministic: Hypothesis derandomized, `MAX_EXAMPLES` positive and as many negative (schema-violating)
cases per operation and client, no deadline, no example database, no shrinking (a failure is reported with the
request as curl). Throttling is lifted for the run. All deviations of a client are collected and reported at once.
Schemathesis' pytest plugin (`from_fixture`) is not used: its lazy loader sets `Node._nodeid`, gone in pytest 9.
`SCHEMATHESIS_MAX_EXAMPLES=50 pytest tests/portal/test_schemathesis.py` runs a deeper search locally.
"""

import os
import re

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from hypothesis import HealthCheck
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .fuzz_data import known_path_parameters

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "6"))  # a deeper local run: e.g. 50
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


# --- the schema --------------------------------------------------------------------------------------------


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
        known = known_path_parameters(operation.path)
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
