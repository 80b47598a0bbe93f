"""The API's request parsers: JSON with limits, checked before and while it is parsed (the parser of every API
view, REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]). Its own module, since DRF's settings import the parsers while
`rest_framework.views` (which api_support needs) is being imported."""

import json
import math
import re

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

from common.messages import message
from common.params import check_text

MAX_JSON_DEPTH = 20
MAX_JSON_NUMBER_LENGTH = 40
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(r"[\[\]{}]")
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}:,]', re.DOTALL)


class _Refused:
    """A value the JSON parser refused (a number too long, NaN): it stands in the parsed data until the walk
    reports it with the field it belongs to."""

    def __init__(self, code: str, **params):
        self.text = message(code, **params)


def _path_text(path: list) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _too_deep(text: str, limit: int) -> str | None:
    """The path (e.g. `items[0].note`) of the first container nested deeper than `limit`, else None. A quick count
    of the brackets outside strings first; the path is found only for a body that is too deep."""
    depth = 0
    for bracket in _JSON_BRACKET.finditer(_JSON_STRING.sub('""', text)):
        depth += 1 if bracket.group() in "[{" else -1
        if depth > limit:
            break
    else:
        return None
    stack, pending_key = [], None  # stack of [kind, key or index]
    path = []
    for token in _JSON_TOKEN.finditer(text):
        value = token.group()
        if value in "[{":
            if stack:
                path.append(stack[-1][1] if stack[-1][0] == "[" else pending_key)
            stack.append([value, 0 if value == "[" else None])
            if len(stack) > limit:
                return _path_text([part for part in path if part is not None])
        elif value in "]}":
            stack.pop()
            if path:
                path.pop()
        elif value == ",":
            if stack and stack[-1][0] == "[":
                stack[-1][1] += 1
        elif value != ":":
            pending_key = json.loads(value) if stack and stack[-1][0] == "{" else pending_key
    return ""


def _json_number(text: str):
    if len(text) > MAX_JSON_NUMBER_LENGTH:
        return _Refused("json_number_too_long", limit=MAX_JSON_NUMBER_LENGTH)
    if "." in text or "e" in text or "E" in text:  # three scans in C (a generator cost a bulk of 1,000 items 1 ms)
        number = float(text)
        return number if math.isfinite(number) else _Refused("json_number_not_finite")
    return int(text)


def _json_constant(_text: str):
    return _Refused("json_constant")


def _refused_in(data, path: list):
    """(path, message) of the first refused value or text with a control character in the parsed data."""
    if isinstance(data, _Refused):
        return path, data.text
    if isinstance(data, str):
        try:
            check_text(data, multiline=True)
        except DjangoValidationError as error:
            return path, error.messages[0]
        return None
    if isinstance(data, dict):
        for key, value in data.items():
            try:
                check_text(key)
            except DjangoValidationError as error:
                return [*path, key.encode("ascii", "backslashreplace").decode()], error.messages[0]
            found = _refused_in(value, [*path, key])
            if found:
                return found
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found = _refused_in(value, [*path, index])
            if found:
                return found
    return None


def _input_error(path: str, text: str) -> ValidationError:
    if not path:
        return ParseError(text)
    return ValidationError({path: [text]})


def parse_json(raw: bytes):
    """The data of a JSON body, strictly: UTF-8, at most MAX_JSON_DEPTH levels (checked before parsing), numbers
    of at most MAX_JSON_NUMBER_LENGTH characters (checked before they are converted), no NaN or Infinity, no
    control characters or lone surrogates in texts (tab and line breaks allowed) or keys. Raises a DRF
    ValidationError naming the field (e.g. `items[0].note`) or a ParseError for the body as a whole."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ParseError(message("json_encoding")) from None
    path = _too_deep(text, MAX_JSON_DEPTH)
    if path is not None:
        raise _input_error(path, message("json_too_deep", limit=MAX_JSON_DEPTH))
    try:
        data = json.loads(text, parse_int=_json_number, parse_float=_json_number, parse_constant=_json_constant)
    except json.JSONDecodeError as error:
        raise ParseError(message("json_invalid", line=error.lineno, column=error.colno)) from None
    except RecursionError:
        raise ParseError(message("json_too_deep", limit=MAX_JSON_DEPTH)) from None
    found = _refused_in(data, [])
    if found:
        raise _input_error(_path_text(found[0]), found[1])
    return data


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the limits of `parse_json`: the parser of every API view."""

    def parse(self, stream, media_type=None, parser_context=None):
        return parse_json(stream.read() if stream is not None else b"")
