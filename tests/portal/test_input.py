"""The pieces behind "no input gives a 5xx", one by one: strict integers, dates and text (common/params.py), the JSON
parser's limits (common/parsers.py), the check of path and query (InputCheckMiddleware), the catalogue
(common/messages.py) and the one validation path of the status PATCH and bulk items. The fuzz over every operation
and page is tests/portal/test_input_fuzz.py."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.test import APIClient

from common import messages, params
from common.parsers import MAX_JSON_DEPTH, parse_json
from ozg_monitoring.models import RolloutStatus
from ozg_monitoring.services import status_input
from tests.accounts.factories import VerwaltungMembershipFactory, issue_token, kommune_user
from tests.ozg_monitoring.factories import OzgLeistungFactory, RolloutStatusFactory


@pytest.mark.parametrize(
    "value", ["²", "٢", "１２", "1.5", "1e5", " 5", "+5", "-1", "9" * 21, "", True, 1.0, None, [1]]
)
def test_parse_int_takes_only_ascii_digits(value):
    with pytest.raises(ValidationError) as error:
        params.parse_int(value, bounds=params.POSITIVE_INTEGER)
    assert messages.is_catalogued(error.value.messages[0])


def test_parse_int_bounds_and_signs():
    assert params.parse_int("2147483647") == 2**31 - 1
    assert params.parse_int("-5", bounds=params.INTEGER) == -5
    assert params.parse_int(7, bounds=(0, 7)) == 7
    with pytest.raises(ValidationError) as error:
        params.parse_int("2147483648")
    assert error.value.messages == ["Die Zahl darf höchstens 2147483647 sein."]
    with pytest.raises(ValidationError) as error:
        params.parse_int("-2147483649", bounds=params.INTEGER)
    assert error.value.messages == ["Die Zahl muss mindestens -2147483648 sein."]


def test_dates_are_bounded():
    today = datetime.date.today()
    assert params.parse_date("1990-01-01") == datetime.date(1990, 1, 1)
    assert params.parse_date(params.date_max(today).isoformat()) == params.date_max(today)
    for wrong in ("0001-01-01", "1989-12-31", "2999-01-01", "٢٠٢٥-01-01", "2025-1-1", "2025-02-30"):
        with pytest.raises(ValidationError):
            params.parse_date(wrong)
    with pytest.raises(ValidationError) as error:
        params.check_date(today + datetime.timedelta(days=1), not_after_today=True)
    assert error.value.code == "date_future"


@pytest.mark.parametrize("text", ["a\x00b", "a\x01", "a\x7f", "a\x85", "a\ud800"])
def test_control_characters_are_refused(text):
    with pytest.raises(ValidationError):
        params.check_text(text, multiline=True)


def test_line_breaks_are_text_in_bodies_but_not_in_parameters():
    assert params.check_text("Zeile 1\nZeile 2\tmit Tab", multiline=True)
    with pytest.raises(ValidationError):
        params.check_text("a\nb")


def test_json_parser_limits_name_the_field():
    deep = '{"items": [{"note": ' + "[" * 30 + "]" * 30 + "}]}"
    with pytest.raises(APIValidationError) as error:
        parse_json(deep.encode())
    (path,) = error.value.detail  # the path down to the container that is one level too deep
    assert path.startswith("items[0].note[0][0]")
    assert (
        str(error.value.detail[path][0]) == f"Der Inhalt ist zu tief verschachtelt (höchstens {MAX_JSON_DEPTH} Ebenen)."
    )
    with pytest.raises(APIValidationError) as error:
        parse_json(('{"items": [{"ozg_id": ' + "9" * 5000 + "}]}").encode())
    assert list(error.value.detail) == ["items[0].ozg_id"]
    with pytest.raises(APIValidationError) as error:
        parse_json(b'{"note": "a\\u0000b"}')
    assert list(error.value.detail) == ["note"]
    for body in (b"[" * 1000 + b"]" * 1000, b'{"a": NaN}', b"\xff", b'{"a": '):
        with pytest.raises((ParseError, APIValidationError)):
            parse_json(body)
    assert parse_json(b'{"a": [1, 2.5, "x\\ny"], "b": null}') == {"a": [1, 2.5, "x\ny"], "b": None}


def test_catalogue_is_the_default_of_drf_fields():
    class Probe(serializers.Serializer):
        text = serializers.CharField(max_length=5)
        number = serializers.IntegerField(max_value=3)
        day = serializers.DateField()

    probe = Probe(data={"text": "x" * 9, "number": 9, "day": "morgen"})
    assert not probe.is_valid()
    texts = {name: str(errors[0]) for name, errors in probe.errors.items()}
    assert texts == {
        "text": "Höchstens 5 Zeichen.",
        "number": "Höchstens 3.",
        "day": "Ein Datum im Format JJJJ-MM-TT wird erwartet.",
    }
    assert all(messages.is_catalogued(text) for text in texts.values())


def test_a_message_outside_the_catalogue_is_replaced_and_logged(caplog):
    assert messages.checked("Enter a valid value.", "invalid") == "Ungültiger Wert."
    assert "außerhalb des Katalogs" in caplog.text
    assert messages.is_catalogued("Zeile 4: Die Datei enthält keine Datenzeilen.")
    assert not messages.is_catalogued("Zeile 4: Enter a valid value.")


@pytest.mark.django_db
def test_control_characters_in_path_or_query_answer_400_naming_the_parameter(client):
    response = client.get("/api/v1/ozg/status/", {"ars": "01\x00"})
    assert response.status_code == 400
    assert list(response.json()) == ["ars"]
    page = client.get("/ozg/online-erledigen/", {"ort": "a\x00b"})
    assert page.status_code == 400 and "ort: Der Wert enthält ein Steuerzeichen" in page.content.decode()
    assert client.get("/ozg/verwaltungen/a%00b/").status_code == 400


@pytest.mark.django_db
def test_api_404_names_no_model(client):
    response = client.get("/api/v1/cooperations/agreements/gibt-es-nicht/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Nicht gefunden."}


@pytest.mark.parametrize(
    "field,value",
    [
        ("note", {"a": {"b": [1]}}),
        ("note", ["x"]),
        ("note", 5),
        ("provider_name", True),
        ("stage", ["online"]),
        ("maturity_level", "²"),
        ("maturity_level", 8),
        ("planned_go_live", "0001-01-01"),
        ("planned_go_live", "2999-01-01"),
        ("provider", "9" * 30),
        ("version", "²"),
        ("note", "a\x00b"),
    ],
)
def test_patch_and_bulk_refuse_the_same_values(territory, field, value):
    """One validation path: what the PATCH refuses, every bulk item refuses, with the same message."""
    single, single_errors = status_input({field: value})
    item, item_errors = status_input({"ozg_id": 10001, "ars": territory.foehr.ars, field: value}, item=True)
    assert single_errors and single_errors == item_errors
    assert all(messages.is_catalogued(text) for texts in item_errors.values() for text in texts)


@pytest.fixture
def kommune_client(territory):
    user = kommune_user()
    VerwaltungMembershipFactory(user=user, organisation=territory.foehr)
    _token, key = issue_token(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.mark.django_db
def test_bulk_stores_no_python_text_of_nested_values(kommune_client, territory):
    leistung = OzgLeistungFactory()
    status = RolloutStatusFactory(leistung=leistung, verwaltung=territory.foehr, note="vorher")
    body = {"items": [{"ozg_id": leistung.ozg_id, "ars": territory.foehr.ars, "note": {"a": [1]}}]}
    response = kommune_client.post("/api/v1/ozg/status/bulk/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["errors"] == {"note": ["Ein Text wird erwartet."]}
    patch = kommune_client.patch(f"/api/v1/ozg/status/{status.pk}/", {"note": {"a": [1]}}, format="json")
    assert patch.status_code == 400 and patch.json() == {"note": ["Ein Text wird erwartet."]}
    assert RolloutStatus.objects.get(pk=status.pk).note == "vorher"
