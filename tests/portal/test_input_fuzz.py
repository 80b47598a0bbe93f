"""Malformed input against every API operation of the OpenAPI schema and every public page: no input gives a 5xx,
every JSON error message comes from the catalogue (common/messages.py), and a 400 names the parameter or field.

Where tests/portal/test_schemathesis.py lets Hypothesis generate input from the schema and checks that answers
match it, this test sends the value classes that broke the portal in an adversarial run (and their relatives):
superscript and other non-ASCII digits, integers out of the columns' range and huge ones, negative numbers, NUL and
other control characters, 5,000-digit numbers, JSON nested 1,000 deep, wrong JSON types and nested objects, dates
far out of range, very long strings. Each value class goes into every query parameter, path segment and body field
of every operation (body fields on top of a valid body, so that the value reaches the services), and whole bodies
are replaced by deep, huge or malformed JSON.

Clients: anonymous, a Kommune write token (Amt Föhr-Amrum), a read-only token and a staff token. The cases of a read
operation are dealt round the four clients in turn (each client sends every fourth case, all cases are sent once);
the cases of a write operation are sent by the staff token and, for the OZG writes, the Kommune token, and every
eighth of them by the anonymous client and the read-only token (who are refused before the body is read).

Deterministic and bounded: no randomness at all, the cases are the product of the lists below, at most
`MAX_CASES_PER_OPERATION` per operation (an evenly spaced selection when there are more). The pages come from ONE
list, `PUBLIC_PAGES`, of the public routes with their query parameters and path values; a test walks the URL
configuration so that a new page without an entry fails. Data and fixtures: tests/portal/fuzz_data.py, conftest.py.
"""

import datetime
import json
import logging
import os
import re
import time
from urllib.parse import quote

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from common import messages

from .fuzz_data import ALKERSUM, FOEHR_AMRUM, known_path_parameters

MAX_CASES_PER_OPERATION = 400
CLIENTS = ["anonymous", "kommune", "readonly", "staff"]
TODAY = datetime.date.today()

# --- value classes -----------------------------------------------------------------------------------------------

#: For query parameters and path segments (sent percent-encoded as UTF-8).
TEXT_VALUES = {
    "superscript": "²⁰²⁵",
    "superscript_one": "²",
    "arabic_digits": "٢٠٢٥",
    "fullwidth_digits": "１２",
    "int32_overflow": "2147483648",
    "int64_overflow": "9223372036854775808",
    "int64_underflow": "-9223372036854775809",
    "negative": "-1",
    "plus_sign": "+5",
    "decimal": "1.5",
    "exponent": "1e5",
    "nan": "NaN",
    "infinity": "Infinity",
    "nul": "a\x00b",
    "control": "a\x01\x1fb",
    "delete": "a\x7fb",
    "newline": "a\nb",
    "digits_5000": "9" * 5000,
    "date_far_past": "0001-01-01",
    "date_far_future": "9999-12-31",
    "datetime_overflow": "0001-01-01T00:00:00+14:00",
    "datetime_overflow_future": "9999-12-31T23:59:59-14:00",
    "long": "x" * 10_000,
    "empty": "",
    "space": " ",
}

#: For fields of JSON bodies: raw JSON text.
JSON_VALUES = {
    "superscript": '"²⁰²⁵"',
    "int32_overflow": "2147483648",
    "int64_overflow": "9223372036854775808",
    "negative": "-1",
    "float": "1.5",
    "exponent_overflow": "1e999",
    "digits_5000": "9" * 5000,
    "string_digits_5000": '"' + "9" * 5000 + '"',
    "nul": '"a\\u0000b"',
    "control": '"a\\u0001\\u001fb"',
    "lone_surrogate": '"a\\ud800b"',
    "deep": "[" * 1000 + "]" * 1000,
    "nested_object": '{"a": {"b": [1, {"c": null}]}}',
    "list": '[1, "x", null]',
    "empty_list": "[]",
    "true": "true",
    "null": "null",
    "date_far_past": '"0001-01-01"',
    "date_2999": '"2999-01-01"',
    "date_far_future": '"9999-12-31"',
    "datetime": '"2025-01-01T00:00:00+14:00"',
    "long": '"' + "x" * 10_000 + '"',
    "empty": '""',
}

#: Whole bodies.
BODIES = {
    "deep_array": "[" * 1000 + "]" * 1000,
    "deep_object": '{"a":' * 1000 + "1" + "}" * 1000,
    "number_5000": "9" * 5000,
    "nested_number_5000": '{"items": [{"ozg_id": ' + "9" * 5000 + "}]}",
    "string": '"x"',
    "list": "[1, 2]",
    "null": "null",
    "truncated": '{"a": ',
    "nan": '{"a": NaN}',
    "nul": '{"a\\u0000": 1}',
    "not_utf8": b'{"a": "\xff\xfe"}',
}

# --- the public pages: ONE list of routes, their path values and query parameters ----------------------------------

#: route (as in the URL configuration) -> (path values by name, query parameters). Path values are callables of
#: nothing, evaluated once the data exist.
PUBLIC_PAGES = {
    "": ({}, []),
    "healthz": ({}, []),
    "readyz": ({}, []),
    "metrics": ({}, []),  # refused without the token or an allowed network: still no 5xx for any input
    "impressum/": ({}, []),
    "datenschutz/": ({}, []),
    "barrierefreiheit/": ({}, []),
    "leichte-sprache/": ({}, []),
    "benachrichtigungen/abbestellen/<str:token>/": ({"token": lambda: "kein-gueltiges-zeichen"}, []),
    "kommunen/": ({}, ["q", "art", "sortierung", "liste", "seite", "export"]),
    "kommunen/<str:key>/": ({"key": lambda: FOEHR_AMRUM}, []),
    "kooperationen/": (
        {},
        ["kind", "status", "topic", "party", "party_ars", "party_ars_prefix", "in_force_on", "sort", "seite", "export"],
    ),
    "kooperationen/zeitleiste/": ({}, []),
    "kooperationen/quellen/<int:pk>/datei/": ({"pk": lambda: 1}, []),
    "kooperationen/<slug:slug>/": ({"slug": lambda: _first_agreement_slug()}, []),
    "ozg/": ({}, []),
    "ozg/online-erledigen/": ({}, ["ort"]),
    "ozg/online-erledigen/<str:ars>/": ({"ars": lambda: ALKERSUM}, ["themenfeld", "lebenslage", "q", "seite"]),
    "ozg/leistungen/": ({}, ["q", "themenfeld", "lebenslage", "level", "seite", "export"]),
    "ozg/leistungen/<int:ozg_id>/": ({"ozg_id": lambda: _first_ozg_id()}, []),
    "ozg/umsetzungsstaende/": (
        {},
        [
            "ars",
            "ars_prefix",
            "ozg_id",
            "themenfeld",
            "lebenslage",
            "level",
            "stage",
            "min_level",
            "changed_since",
            "platform",
            "seite",
            "export",
        ],
    ),
    "ozg/verwaltungen/": ({}, []),
    "ozg/verwaltungen/<str:ars>/": ({"ars": lambda: FOEHR_AMRUM}, []),
    "finanzierung/": ({}, ["year", "source", "purpose", "agreement", "status", "approximate"]),
    "finanzierung/finanzierung.csv": ({}, ["year", "source", "purpose", "agreement", "status", "approximate"]),
    "finanzierung/berichte/<int:year>.csv": ({"year": lambda: 2025}, []),
    "opendata/": ({}, []),
    "opendata/^catalog\\.(?P<fmt>ttl|jsonld)$": ({"fmt": lambda: "ttl"}, []),
    "opendata/^ozg-status/latest\\.(?P<fmt>csv|json)$": ({"fmt": lambda: "csv"}, []),
    "opendata/^ozg-status/(?P<day>\\d{4}-\\d{2}-01)\\.(?P<fmt>csv|json)$": (
        {"day": lambda: "2025-01-01", "fmt": lambda: "csv"},
        [],
    ),
    "opendata/^(?P<slug>[a-z][a-z-]*)\\.(?P<fmt>csv|json)$": ({"slug": lambda: "register", "fmt": lambda: "csv"}, []),
    "opendata/<slug:slug>/": ({"slug": lambda: "register"}, []),
}
#: (field, value class) whose value is valid for the field but breaks a rule across fields, so that the 400 names
#: the other field: "signed, date unknown" needs the two parties the fuzz body does not have.
CROSS_FIELD = {("signed_date_unknown", "true")}
#: Routes that are not public pages: the API (fuzzed from its schema) and the staff's admin.
NOT_PAGES = ("api/v1/", "admin/")
#: Fragments of Django's and DRF's English defaults that must never reach a page or an answer.
ENGLISH = (
    "Enter a ",
    "Select a valid",
    "Ensure this",
    "This field",
    "is not a valid",
    "matches the given query",
    "Invalid page",
    "Not found.",
    "JSON parse error",
    "Traceback",
    "Server Error",
)


def _first_agreement_slug():
    from cooperations.models import Agreement

    return Agreement.objects.order_by("pk")[0].slug


def _first_ozg_id():
    from ozg_monitoring.models import RolloutStatus

    return RolloutStatus.objects.order_by("pk")[0].leistung.ozg_id


def _routes(patterns=None, prefix=""):
    """Every route of the URL configuration as one string (prefix + pattern)."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith(NOT_PAGES):
                continue
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def _page_url(route: str, values: dict) -> str:
    """The URL of a route with its path values (Django converters and regex groups)."""
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m.group(1)]), path)
    path = path.replace("^", "").replace("$", "").replace("\\.", ".")
    return "/" + path


# --- requests and checks -----------------------------------------------------------------------------------------


class Case:
    def __init__(self, method, url, *, name, field=None, body=None, content_type="application/json"):
        self.method, self.url, self.name, self.field = method, url, name, field
        self.body, self.content_type = body, content_type

    def __repr__(self):
        return f"{self.method} {self.url[:160]} [{self.name}]"


def _query(name: str, value: str) -> str:
    return f"?{quote(name)}={quote(value, safe='')}"


def _message_texts(body, key=None):
    """The messages of a JSON error body: `detail`, and every string in a list (field messages), at any depth."""
    if isinstance(body, dict):
        for name, value in body.items():
            if name == "detail" and isinstance(value, str):
                yield value
            elif isinstance(value, dict | list):
                yield from _message_texts(value, name)
    elif isinstance(body, list):
        for value in body:
            if isinstance(value, str):
                yield value
            else:
                yield from _message_texts(value, key)


def _per_item(body) -> bool:
    """A list body answered item by item (bulk, federal import): `errors` with the index of each item."""
    return (
        isinstance(body, dict)
        and isinstance(body.get("errors"), list)
        and all(isinstance(entry, dict) and "index" in entry for entry in body["errors"])
    )


def _send(http: Client, case: Case, headers: dict):
    kwargs = {"headers": headers}
    if case.body is not None:
        kwargs.update(data=case.body, content_type=case.content_type)
    return getattr(http, case.method.lower())(case.url, **kwargs)


def _check(case: Case, response, *, api: bool) -> list[str]:
    """The problems of one answer (empty: fine)."""
    problems = []
    status = response.status_code
    if status >= 500:
        return [f"{case}: {status}"]
    content_type = response.get("Content-Type", "")
    if status < 400 or response.streaming:
        return []
    text = response.content.decode("utf-8", "replace")
    if any(fragment in text for fragment in ENGLISH):
        problems.append(f"{case}: {status} mit englischem oder technischem Text: {text[:300]}")
    if not api:
        return problems
    if not content_type.startswith("application/json"):
        return [f"{case}: {status} ohne JSON ({content_type})"]
    body = response.json()
    texts = list(_message_texts(body))
    if not texts:
        problems.append(f"{case}: {status} ohne Meldung: {text[:300]}")
    for message in texts:
        if not messages.is_catalogued(message):
            problems.append(f"{case}: {status} mit Meldung außerhalb des Katalogs: {message[:300]!r}")
    named = case.field and (case.field in json.dumps(body, ensure_ascii=False) or _per_item(body))
    if status == 400 and case.field and not named and (case.field, case.name.split("=", 1)[-1]) not in CROSS_FIELD:
        problems.append(f"{case}: 400 nennt „{case.field}“ nicht: {text[:300]}")
    return problems


def _run(http: Client, cases_by_client: dict, keys: dict, *, api: bool) -> tuple[list[str], int]:
    problems, sent = [], 0
    for client, cases in cases_by_client.items():
        headers = {"Authorization": f"Token {keys[client]}"} if client in keys else {}
        for case in cases:
            sent += 1
            # Each request in a savepoint that is rolled back: the cases do not change each other's data, and on
            # PostgreSQL a failed statement spoils no more than its own request.
            savepoint = transaction.savepoint()
            try:
                response = _send(http, case, headers)
            finally:
                transaction.savepoint_rollback(savepoint)
            problems += [f"[{client}] {problem}" for problem in _check(case, response, api=api)]
    return problems, sent


def _report(name: str, problems: list[str]) -> None:
    """With FUZZ_REPORT=<folder>: every problem of a run, one a line, in <folder>/<name>.txt."""
    folder = os.environ.get("FUZZ_REPORT")
    if folder:
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, f"{name}.txt"), "w", encoding="utf-8") as file:
            file.write("\n".join(problem.replace("\n", " ")[:400] for problem in problems) + "\n")


def _spread(cases: list, limit: int) -> list:
    """At most `limit` cases, evenly spaced over the list (deterministic)."""
    if len(cases) <= limit:
        return cases
    step = len(cases) / limit
    return [cases[int(index * step)] for index in range(limit)]


# --- the API: cases from the schema ------------------------------------------------------------------------------


def _resolve(schema: dict, node: dict) -> dict:
    while isinstance(node, dict) and "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    for key in ("allOf", "oneOf", "anyOf"):
        if isinstance(node, dict) and key in node and "type" not in node:
            return _resolve(schema, node[key][0])
    return node


def _example(schema: dict, node: dict, name: str = ""):
    """A plain valid value for a schema node (enums: the first value)."""
    node = _resolve(schema, node)
    if "enum" in node:
        return next(value for value in node["enum"] if value not in ("", None))
    kind = node.get("type")
    if kind == "object":
        required = node.get("required", [])
        return {
            key: _example(schema, value, key) for key, value in node.get("properties", {}).items() if key in required
        }
    if kind == "array":
        return []
    if kind == "integer":
        return 1
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if node.get("format") == "date":
        return "2025-01-01"
    if node.get("format") == "decimal":
        return "10.00"
    if node.get("format") == "uri":
        return "https://dienste.example/fuzz"
    return f"fuzz-{name}" if name == "slug" else "Fuzz"


def _known_bodies() -> dict:
    """Valid bodies of the write operations, built from existing records, by (method, schema path)."""
    from cooperations.models import Agreement
    from funding.models import BudgetLine
    from ozg_monitoring.models import RolloutStatus

    status = RolloutStatus.objects.filter(verwaltung__ars=FOEHR_AMRUM).order_by("pk")[0]
    line = BudgetLine.objects.filter(status="zugesagt").order_by("pk").first() or BudgetLine.objects.order_by("pk")[0]
    agreement = Agreement.objects.order_by("pk")[0]
    return {
        ("POST", "/api/v1/ozg/status/bulk/"): (
            {"items": [{"ozg_id": status.leistung.ozg_id, "ars": FOEHR_AMRUM, "stage": status.stage}]},
            "items.0",
        ),
        ("POST", "/api/v1/ozg/import/dashboard/"): (
            {
                "content": [
                    {
                        "ars": FOEHR_AMRUM,
                        "ozgid": status.leistung.ozg_id,
                        "url": "https://dienste.example/fuzz",
                        "online_status": "ok",
                        "aktiv": "ja",
                    }
                ]
            },
            "content.0",
        ),
        ("POST", "/api/v1/funding/drawdowns/"): ({"line": line.pk, "amount": "10.00", "purpose_text": "Fuzz"}, None),
        ("POST", "/api/v1/funding/drawdowns/{id}/pay/"): (
            {"paid_on": TODAY.isoformat(), "payment_reference": "R-1"},
            None,
        ),
        ("POST", "/api/v1/cooperations/measures/"): (
            # the lead must be a party of the agreement (cooperations.services.measure_rule_errors)
            {"agreement": agreement.slug, "title": "Fuzz", "lead": agreement.parties.order_by("pk")[0].organisation_id},
            None,
        ),
        ("POST", "/api/v1/cooperations/agreements/"): (
            {"slug": "fuzz-vereinbarung", "kind": agreement.kind, "title": "Fuzz", "status": "entwurf"},
            None,
        ),
    }


def _put(body, path: str, field: str, placeholder: str):
    """A copy of `body` with `field` (below `path`, e.g. "items.0") set to the placeholder."""
    body = json.loads(json.dumps(body))
    target = body
    for part in path.split(".") if path else []:
        target = target[int(part)] if isinstance(target, list) else target[part]
    target[field] = placeholder
    return body


def _body_cases(schema, method, path, url, operation, bases) -> list[Case]:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return []
    node = _resolve(schema, content["application/json"]["schema"])
    base, inner = bases.get((method, path), (None, None))
    if base is None:
        base = _example(schema, node)
    properties = dict(node.get("properties", {}))
    if inner:  # the fields of the first list item (bulk items, federal records)
        item_schema = _resolve(schema, properties.get(inner.split(".")[0], {}).get("items", {}))
        item_fields = list(item_schema.get("properties", {})) or list(_put(base, "", "x", None)[inner.split(".")[0]][0])
        fields = [(inner, name) for name in item_fields] + [("", name) for name in properties]
    else:
        fields = [("", name) for name in properties]
    cases = []
    for where, field in fields:
        for value_name, raw in JSON_VALUES.items():
            text = json.dumps(_put(base, where, field, "\x00FUZZ\x00"), ensure_ascii=False)
            text = text.replace('"\\u0000FUZZ\\u0000"', raw)
            cases.append(Case(method, url, name=f"{field}={value_name}", field=field, body=text))
    for value_name, raw in BODIES.items():
        cases.append(Case(method, url, name=f"Inhalt={value_name}", body=raw))
    return cases


def _operation_cases(schema, method, path, operation, bases) -> list[Case]:
    known = known_path_parameters(path)
    parameters = operation.get("parameters", [])
    path_names = [p["name"] for p in parameters if p["in"] == "path"]
    values = {name: known.get(name, "1") for name in path_names}

    def url_with(**override):
        result = path
        for name in path_names:
            result = result.replace("{" + name + "}", quote(str(override.get(name, values[name])), safe=""))
        return result

    url = url_with()
    cases = []
    for parameter in parameters:
        for value_name, value in TEXT_VALUES.items():
            if parameter["in"] == "query":
                cases.append(
                    Case(
                        method,
                        url + _query(parameter["name"], value),
                        name=f"{parameter['name']}={value_name}",
                        field=parameter["name"],
                    )
                )
            elif parameter["in"] == "path" and value:
                cases.append(
                    Case(method, url_with(**{parameter["name"]: value}), name=f"{{{parameter['name']}}}={value_name}")
                )
    if method != "GET":
        cases += _body_cases(schema, method, path, url, operation, bases)
    return _spread(cases, MAX_CASES_PER_OPERATION)


def _deal(method: str, path: str, cases: list) -> dict:
    """Which client sends which case (see the module's docstring)."""
    if method == "GET":
        return {client: cases[index :: len(CLIENTS)] for index, client in enumerate(CLIENTS)}
    dealt = {"anonymous": cases[::8], "readonly": cases[4::8], "staff": cases}
    if path.startswith("/api/v1/ozg/"):
        dealt["kommune"] = cases
    return dealt


@pytest.fixture
def http(api_data, db, no_throttling):
    return Client(raise_request_exception=False)


@pytest.fixture
def uncatalogued(caplog):
    """Messages the exception handler had to replace because they are not in the catalogue (it logs each one)."""
    caplog.set_level(logging.WARNING, logger="common.messages")
    return lambda: [record.getMessage() for record in caplog.records if record.name == "common.messages"]


def test_every_api_operation_holds_under_malformed_input(http, api_data, uncatalogued):
    started = time.monotonic()
    schema = http.get("/api/v1/schema/?format=json").json()
    bases = _known_bodies()
    problems, sent, per_operation = [], 0, {}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue
            method = method.upper()
            cases = _operation_cases(schema, method, path, operation, bases)
            found, count = _run(http, _deal(method, path, cases), api_data, api=True)
            problems += found
            sent += count
            per_operation[f"{method} {path}"] = len(cases)
    print(
        f"\nAPI: {len(per_operation)} Operationen, {sum(per_operation.values())} Fälle, {sent} Anfragen, "
        f"höchstens {max(per_operation.values())} Fälle je Operation, {time.monotonic() - started:.0f} s"
    )
    _report("api", problems)
    _report("uncatalogued", uncatalogued())
    assert len(per_operation) >= 40
    assert min(per_operation.values()) >= len(TEXT_VALUES) - 1  # every operation got every value class
    assert not problems, f"{len(problems)} Probleme:\n" + "\n".join(problems[:200])
    assert not uncatalogued(), "\n".join(uncatalogued()[:50])


def test_every_public_page_holds_under_malformed_input(http, api_data):
    started = time.monotonic()
    cases = []
    for route, (path_values, parameters) in PUBLIC_PAGES.items():
        values = {name: make() for name, make in path_values.items()}
        url = _page_url(route, values)
        for parameter in parameters:
            for value_name, value in TEXT_VALUES.items():
                cases.append(Case("GET", url + _query(parameter, value), name=f"{parameter}={value_name}"))
        for name in values:
            for value_name, value in TEXT_VALUES.items():
                if value:
                    wrong = _page_url(route, {**values, name: quote(value, safe="")})
                    cases.append(Case("GET", wrong, name=f"<{name}>={value_name}"))
    dealt = {client: cases[index :: len(CLIENTS)] for index, client in enumerate(CLIENTS)}
    problems, sent = _run(http, dealt, api_data, api=False)
    print(f"\nSeiten: {len(PUBLIC_PAGES)} Routen, {sent} Anfragen, {time.monotonic() - started:.0f} s")
    _report("pages", problems)
    assert sent == len(cases) > 500
    assert not problems, f"{len(problems)} Probleme:\n" + "\n".join(problems[:200])


def test_the_page_list_names_every_public_route():
    routes = set(_routes())
    assert routes - set(PUBLIC_PAGES) == set(), "Seiten ohne Eintrag in PUBLIC_PAGES"
    assert set(PUBLIC_PAGES) - routes == set(), "Einträge ohne Seite"
