"""The input of a status write, validated one way for every door (PATCH, bulk item, CSV and federal import, admin
form), and applying it to a status in memory: what changed, and which rule it breaks."""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from common.messages import lazy_message, message
from common.params import ID, POSITIVE_INTEGER, check_text, parse_date, parse_int
from organisations import keys
from organisations import selectors as register
from organisations.models import Organisation

from ..models import (
    MATURITY_MODELS,
    ONLINE_STAGES,
    STAGE_ORDER,
    RolloutStatus,
    Stage,
    status_rule_errors,
)

BULK_LIMIT = 1000
TRACKED_FIELDS = [
    "stage",
    "maturity_model",
    "maturity_level",
    "url",
    "provider",
    "provider_name",
    "platform",
    "planned_go_live",
    "actual_go_live",
    "note",
]
MAX_LENGTHS = {"url": 500, "provider_name": 200}
DATE_FIELDS = {"planned_go_live", "actual_go_live"}
STATUS_KINDS = Organisation.VERWALTUNG_AND_LAND_KINDS  # who holds a status: the Verwaltungen and the Land


# --- values -----------------------------------------------------------------------------------------------


def _json_value(name: str, value):
    if name == "provider":
        return value.pk if isinstance(value, Organisation) else value
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def status_values(status: RolloutStatus) -> dict:
    """The tracked fields of a status as JSON-ready values (provider as id, dates as ISO strings)."""
    return {
        name: _json_value(name, getattr(status, "provider_id" if name == "provider" else name))
        for name in TRACKED_FIELDS
    }


_url_validator = URLValidator(schemes=["https", "http"], message=lazy_message("url"))


def _text(value, *, name: str) -> str:
    """A text field of a status: a string (None: empty) without control characters, within its length."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(message("text_expected"))
    check_text(value, multiline=True)
    if name in MAX_LENGTHS and len(value) > MAX_LENGTHS[name]:
        raise ValidationError(message("max_length", max_length=MAX_LENGTHS[name]))
    return value


def _choice(value, allowed, *, code: str = "ozg.choices"):
    text = (
        value
        if isinstance(value, str)
        else (str(value) if isinstance(value, int | float) and not isinstance(value, bool) else None)
    )
    if text not in allowed:
        raise ValidationError(message(code, values=", ".join(allowed)))
    return text


def coerce_changes(raw: dict, *, providers: dict | None = None, defer_provider: bool = False) -> tuple[dict, dict]:
    """Turns loosely typed input (API JSON, CSV cells) into field values. Returns (changes, errors).

    The one validation of a status change, for the single PATCH, every bulk item, the CSV import and the federal
    import alike (through `status_input`), and again inside the services: unknown fields are errors; texts are
    strings without control characters within their length (a number, list or object is refused, never stored as
    its Python text); the level is an integer 0–7 (ASCII digits); dates are `YYYY-MM-DD` between 1990-01-01 and
    today + 30 years (`common.params`); the provider is the ARS (12 digits) or id of a body. `providers` maps an
    ARS to an Organisation; without it a provider is looked up one by one. With `defer_provider` the provider stays
    its checked key (ARS as str, id as int) for the caller to look up with others."""
    changes, errors = {}, {}
    for name, value in raw.items():
        if name not in TRACKED_FIELDS:
            errors[str(name)[:100]] = [message("unknown_field")]
            continue
        if isinstance(value, str):
            value = value.strip()
        try:
            if name == "stage":
                value = _choice(value, Stage.values)
            elif name == "maturity_model":
                value = _choice(value, RolloutStatus.MaturityModel.values, code="ozg.maturity_models")
            elif name == "maturity_level":
                if value in ("", None):
                    raise ValidationError(message("integer"))
                value = parse_int(value, bounds=(0, max(MATURITY_MODELS.values())))
            elif name in DATE_FIELDS:
                value = None if value in ("", None) else parse_date(value)
            elif name == "url":
                value = _text(value, name=name)
                if value:
                    _url_validator(value)
            elif name == "platform":
                value = "" if value in ("", None) else _choice(value, RolloutStatus.Platform.values)
            elif name == "provider":
                value = _provider(value, providers, defer=defer_provider)
            else:
                value = _text(value, name=name)
        except ValidationError as error:
            errors[name] = [error.messages[0]]
            continue
        changes[name] = value
    return changes, errors


def _provider(value, providers, *, defer=False):
    if value in ("", None):
        return None
    if isinstance(value, Organisation):
        return value
    if keys.is_ars(value):
        if defer:
            return value
        found = (providers or {}).get(value) or register.body_by_key(value)
    elif isinstance(value, str) and len(value) == keys.ARS_LENGTH and value.isascii() and value.isdigit():
        keys.validate_ars(value)  # twelve digits are meant as an ARS: the register's rule and message
    else:
        try:
            key = parse_int(value, bounds=ID)
        except ValidationError:
            raise ValidationError(message("ozg.provider_key")) from None
        if defer:
            return key
        found = register.body_by_id(key)
    if found is None:
        raise ValidationError(message("ozg.unknown_provider", key=value))
    return found


def status_input(raw, *, item: bool = False) -> tuple[dict, dict]:
    """The input of one status write as the API, the imports and the admin send it, validated: the PATCH body
    (`item=False`) or a bulk item with its key (`item=True`: `ozg_id` and `ars`). Returns (values, errors):
    values are `changes` (see `coerce_changes`), `version` (int or None) and for an item `ozg_id` (int) and `ars`
    (12 digits), with the provider as its checked key (ARS or id: the bulk looks all of them up at once, the
    single update when it applies the changes); errors {field: [message]}. The PATCH's serializer and
    `rollout_status_bulk_upsert` both call it, so that a value refused in one is refused in the other."""
    if not isinstance(raw, dict):
        return {}, {"non_field_errors": [message("object_expected")]}
    raw = dict(raw)
    values, errors = {"version": None}, {}
    if item:
        for name, parse in (("ozg_id", lambda v: parse_int(v, bounds=POSITIVE_INTEGER)), ("ars", _ars)):
            if name not in raw:
                errors[name] = [message("required")]
                continue
            try:
                values[name] = parse(raw.pop(name))
            except ValidationError as error:
                errors[name] = [error.messages[0]]
    version = raw.pop("version", None)
    if version not in (None, ""):
        try:
            values["version"] = parse_int(version, bounds=POSITIVE_INTEGER)
        except ValidationError as error:
            errors["version"] = [error.messages[0]]
    values["changes"], change_errors = coerce_changes(raw, defer_provider=True)
    errors.update(change_errors)
    return values, errors


def shown_key(value) -> str:
    """A key of a bulk item as the error entry repeats it: text or number, at most 50 characters."""
    return str(value)[:50] if isinstance(value, str | int) and not isinstance(value, bool) else ""


def _ars(value) -> str:
    keys.validate_ars(value)
    return value


def apply_changes(
    status: RolloutStatus, changes: dict, *, created: bool, today: datetime.date
) -> tuple[dict, dict, dict]:
    """Applies changes to an in-memory status. Returns (old_values, new_values, errors) of what really changed."""
    before = status_values(status)
    old_stage = status.stage
    for name, value in changes.items():
        setattr(status, name, value)
    # Going online without a go-live date: the day of the change is the go-live.
    if (
        status.stage in ONLINE_STAGES
        and old_stage not in ONLINE_STAGES
        and "actual_go_live" not in changes
        and not status.actual_go_live
    ):
        status.actual_go_live = today
    after = status_values(status)
    changed = [name for name in TRACKED_FIELDS if before[name] != after[name]]
    errors = status_rule_errors(status)
    if not created and STAGE_ORDER[status.stage] < STAGE_ORDER[old_stage] and not str(changes.get("note") or ""):
        errors.setdefault("note", []).append(
            message("ozg.step_back_needs_note") % {"old": Stage(old_stage).label, "new": Stage(status.stage).label}
        )
    if status.verwaltung.kind not in STATUS_KINDS:
        errors.setdefault("verwaltung", []).append(message("ozg.not_a_verwaltung"))
    if created:
        return {}, after, errors
    return {name: before[name] for name in changed}, {name: after[name] for name in changed}, errors
