"""DRF glue shared by every app's API: pagination, strict ordering, the lookup pattern of detail routes, the error
format (every message from the catalogue `common.messages`) and its OpenAPI schema. The base viewset that puts them
together is in `common.viewsets` (DRF reads this module's names from its settings while it defines its generic
views, so this module must not import them)."""

import logging
import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404
from rest_framework import status
from rest_framework.exceptions import (
    APIException,
    ErrorDetail,
    MethodNotAllowed,
    NotFound,
    PermissionDenied,
    Throttled,
    UnsupportedMediaType,
    ValidationError,
)
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler

from common.messages import checked, for_code, is_catalogued, message

logger = logging.getLogger(__name__)


class Pagination(PageNumberPagination):
    """`?page=` and `?page_size=` (up to 1,000); every list answers with `count`, `next`, `previous`."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000


def exception_handler(exc, context):
    """DRF's handler, plus: a Django ValidationError raised by a service becomes a 400 with field messages,
    so a rule enforced in `services.py` answers the API client as clearly as a serializer error; a service's
    PermissionDenied becomes a 403 with its German reason; a database error caused by a value of the request (a
    number or text the column cannot hold) a 400 instead of a 500.

    Every message of the answer comes from the catalogue (`common.messages`): a 404 keeps its German reason if it is
    one of the catalogue's (never Django's "No Agreement matches the given query."), DRF's exceptions get the
    catalogue's text with their parameters (method, media type, wait), and any other message that is not from the
    catalogue is replaced by the text for its code and logged (`common.messages.checked`)."""
    request = context.get("request")
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = ValidationError(detail=detail)
    elif isinstance(exc, DjangoPermissionDenied):
        # A service's Rule refused: its German reason, not DRF's English default.
        exc = PermissionDenied(detail=str(exc) or message("permission_denied"), code="permission_denied")
    elif isinstance(exc, Http404 | NotFound):
        text = str(exc.args[0]) if isinstance(exc, Http404) and exc.args else str(getattr(exc, "detail", ""))
        exc = NotFound(detail=text if text and is_catalogued(text) else message("not_found"))
    elif isinstance(exc, DataError):
        logger.warning("Datenbankfehler durch die Eingabe: %s", exc.__class__.__name__)
        exc = ValidationError({"non_field_errors": [message("database_value")]}, code="database_value")
    elif isinstance(exc, MethodNotAllowed):
        exc = MethodNotAllowed(request.method, detail=message("method_not_allowed", method=request.method))
    elif isinstance(exc, UnsupportedMediaType):
        media_type = (request.content_type or "").split(";")[0][:100] if request else ""
        exc = UnsupportedMediaType(
            media_type,
            detail=message("unsupported_media_type", media_type=media_type)
            if media_type and is_printable(media_type)
            else message("unsupported_media_type_any"),
        )
    elif isinstance(exc, Throttled):
        wait = exc.wait
        code = "auth_failures" if getattr(exc.detail, "code", None) == "auth_failures" else "throttled"
        exc = Throttled(wait)
        # Throttled appends DRF's own sentence about the wait to any detail: the catalogue's text replaces both.
        exc.detail = ErrorDetail(
            message(code, wait=math.ceil(wait)) if wait is not None else message(f"{code}_any"), code
        )
    elif isinstance(exc, APIException) and not isinstance(exc, ValidationError | PermissionDenied):
        # NotAuthenticated, AuthenticationFailed, ParseError, NotAcceptable: DRF's default text becomes the
        # catalogue's for its code; our own texts are checked like any other.
        code = getattr(exc.detail, "code", None) or exc.default_code
        if str(exc.detail) == str(exc.default_detail) and not is_catalogued(exc.detail):
            exc.detail = ErrorDetail(for_code(code), code)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    response.data = _german(response.data, getattr(exc, "default_code", None))
    if response.status_code == status.HTTP_400_BAD_REQUEST:
        response.data = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
    return response


#: Keys of error bodies whose values are data, not messages.
DATA_KEYS = {"code", "index", "ozg_id", "ars", "line", "current_version"}


def _german(data, code=None, key=None):
    """Every message in an error body checked against the catalogue (see `common.messages.checked`)."""
    if isinstance(data, dict):
        return {name: value if name in DATA_KEYS else _german(value, code, name) for name, value in data.items()}
    if isinstance(data, list):
        return [_german(value, code, key) for value in data]
    if isinstance(data, str):
        own = getattr(data, "code", None)
        text = checked(data, own or code, where=str(key or ""))
        return ErrorDetail(text, own or code) if isinstance(data, ErrorDetail) else text
    return data


def is_printable(text: str) -> bool:
    return text.isprintable()


# --- error responses in the OpenAPI schema ---------------------------------------------------------------

ERROR_SCHEMA = {
    "type": "object",
    "description": "Fehlermeldung: `detail` (deutsch), bei manchen Fehlern ein maschinenlesbarer `code`.",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "Ungültige Eingabe: je Feld (oder Filter) eine Liste deutscher Meldungen, Meldungen ohne Feld "
    "unter `non_field_errors`; bei Listen je Eintrag ein solches Objekt. Ein nicht lesbarer Inhalt ergibt "
    "`detail`.",
    "additionalProperties": {},
}
ERROR_DESCRIPTIONS = {
    "400": "Ungültige Eingabe (Feldmeldungen)",
    "401": "Token ungültig, abgelaufen oder widerrufen, oder Anmeldung fehlt (Schreiben)",
    "403": "Keine Berechtigung (Rolle, Token nur lesend, fremde Verwaltung)",
    "404": "Nicht gefunden (Schlüssel oder Seite)",
    "409": "Konflikt mit dem aktuellen Stand",
    "412": "Vorbedingung (If-Match) nicht erfüllt",
    "415": "Nicht unterstütztes Format des Inhalts",
    "429": "Zu viele Anfragen; Retry-After nennt die Wartezeit in Sekunden",
}
UNSAFE_METHODS = {"post", "put", "patch", "delete"}


def _error_response(code: str, description: str | None = None) -> dict:
    name = "ValidationError" if code == "400" else "Error"
    return {
        "description": description or ERROR_DESCRIPTIONS.get(code, ""),
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
    }


def _error_codes(method: str, operation: dict, *, throttled: bool) -> set[str]:
    """The error statuses this operation can answer with, derived from what the schema knows about it."""
    parameters = operation.get("parameters", [])
    codes = {"401"}  # every operation accepts a token, and a bad one is refused whatever the operation
    if any(p["in"] == "query" for p in parameters) or "requestBody" in operation:
        codes.add("400")
    if any(p["in"] == "path" for p in parameters) or any(p["name"] == "page" for p in parameters):
        codes.add("404")  # an unknown key, or a page past the last one
    if method in UNSAFE_METHODS:
        codes.add("403")
    if "requestBody" in operation:
        codes.add("415")
    if throttled:
        codes.add("429")
    return codes


def postprocess_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: documents the error answers of every operation with the shared
    `Error` and `ValidationError` bodies (400 field messages, 401, 403, 404, 415, 429 where they can occur), and
    gives declared error responses without a body (`409: None`) the shared one. Responses a view describes
    itself are kept."""
    from rest_framework.settings import api_settings

    throttled = bool(api_settings.DEFAULT_THROTTLE_CLASSES)
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR_SCHEMA)
    schemas.setdefault("ValidationError", VALIDATION_ERROR_SCHEMA)
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for code, response in responses.items():
                if code.startswith("4") and "content" not in response:
                    description = response.get("description")
                    responses[code] = _error_response(code, None if description == "No response body" else description)
            for code in sorted(_error_codes(method, operation, throttled=throttled)):
                responses.setdefault(code, _error_response(code))
    return result


# --- detail routes and ordering --------------------------------------------------------------------------

#: Lookup pattern of detail routes: any path segment, so that a malformed key (`/ozg/status/1.5/`) reaches the
#: view and gets the API's JSON 404, not the site's HTML page (the router's default pattern excludes dots).
LOOKUP_ANY_SEGMENT = "[^/]+"


class StrictOrderingFilter(OrderingFilter):
    """Like DRF's, but an unknown field in `ordering` is a 400 naming the parameter instead of being ignored. The
    allowed fields are DRF's: the view's `ordering_fields`, or the readable model fields of its serializer."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            allowed = {name for name, _label in self.get_valid_fields(queryset, view, {"request": request})}
            wrong = [term for term in (t.strip() for t in params.split(",")) if term.lstrip("-") not in allowed]
            if wrong:
                raise ValidationError(
                    {
                        self.ordering_param: [
                            message("api.unknown_ordering", term=wrong[0], allowed=", ".join(sorted(allowed)))
                        ]
                    }
                )
        return super().get_ordering(request, queryset, view)
