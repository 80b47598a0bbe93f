"""Writes with rules: rollout status (single and bulk), snapshots, the executing level of a Leistung.

Every change of a status goes through `rollout_status_update` or `rollout_status_bulk_upsert`, whichever door
it came through (admin, API token, CSV import, demo), and writes an immutable StatusEvent. The cached OZG reads are
replaced when the transaction commits, by the write hook of `common.cached_reads` (nothing to call here).

Every write takes the acting user as `by` and checks its Rule first (common.authorization): a status needs
`ozg_monitoring.change_rolloutstatus` (groups Monitoring and Kommune) and a Verwaltung the user may act for
(`accounts.selectors.writable_verwaltung_ids`: all for Monitoring and superusers, else the memberships with the
role "meldend"). The API's policy and the admin ask the same Rules before they read the input."""

import copy
import datetime
import itertools
import re
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.authorization import verwaltung_scope
from accounts.selectors import writable_verwaltung_ids
from audit.context import acting_as
from audit.models import Action
from audit.services import Record, audit_record_many
from common.authorization import Rule
from common.messages import lazy_message, message
from common.params import ID, POSITIVE_INTEGER, check_text, parse_date, parse_int
from organisations.models import Organisation

from .bulk import existing_pairs, fast_insert, fast_update, insert_new, lock_pairs
from .models import (
    MATURITY_MODELS,
    ONLINE_STAGES,
    STAGE_ORDER,
    MonthlySnapshot,
    OzgLeistung,
    RolloutStatus,
    Stage,
    StatusEvent,
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
#: The columns of a status that the bulk upsert inserts (all but the id).
INSERT_FIELDS = ["leistung", "verwaltung", *TRACKED_FIELDS, "version", "is_demo", "created_at", "updated_at"]
#: How often a bulk upsert is repeated after a deadlock or serialization failure (SQLSTATE 40P01, 40001).
BULK_RETRIES = 2
RETRYABLE_SQLSTATES = {"40P01", "40001"}
MAX_LENGTHS = {"url": 500, "provider_name": 200}
DATE_FIELDS = {"planned_go_live", "actual_go_live"}
STATUS_KINDS = (*Organisation.VERWALTUNG_KINDS, Organisation.Kind.LAND)

STATUS_WRITE = Rule(
    action=_lazy("Umsetzungsstand melden"),
    perms=("ozg_monitoring.change_rolloutstatus",),
    scope=verwaltung_scope(lambda status: status.verwaltung_id),
)
SNAPSHOT_CREATE = Rule(action=_lazy("Monatsstand berechnen"), perms=("ozg_monitoring.change_monthlysnapshot",))
IMPORT_JOB_CREATE = Rule(
    action=_lazy("Umsetzungsstände aus einer Datei importieren"), perms=("ozg_monitoring.add_importjob",)
)
LEISTUNG_LEVEL_SET = Rule(
    action=_lazy("Vollzugsebene einer OZG-Leistung festlegen"), perms=("ozg_monitoring.change_ozgleistung",)
)


class StaleVersionError(Exception):
    """The caller's version of a status is not the current one: nothing was changed."""

    def __init__(self, *, current_version: int, expected_version: int):
        self.current_version = current_version
        self.expected_version = expected_version
        super().__init__(message("ozg.stale_version") % {"current": current_version, "expected": expected_version})


class BulkUpsertError(Exception):
    """At least one item failed: nothing was changed. `errors` lists {index, ozg_id, ars, errors} per bad item;
    `forbidden` is true when an item concerns a Verwaltung the caller may not act for, `conflict` when every
    failure is a stale `version` (the statuses changed since the caller read them)."""

    def __init__(self, errors: list[dict], *, forbidden: bool = False, conflict: bool = False):
        self.errors = errors
        self.forbidden = forbidden
        self.conflict = conflict
        super().__init__(message("ozg.bulk_failed") % {"n": len(errors)})


@dataclass
class BulkResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    statuses: list = field(default_factory=list)
    retries: int = 0  # repetitions after a deadlock or serialization failure


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
ARS_PATTERN = re.compile(r"[0-9]{12}\Z")


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
    if isinstance(value, str) and ARS_PATTERN.match(value):
        if defer:
            return value
        found = (providers or {}).get(value) or Organisation.objects.filter(ars=value).first()
    else:
        try:
            key = parse_int(value, bounds=ID)
        except ValidationError:
            raise ValidationError(message("ozg.provider_key")) from None
        if defer:
            return key
        found = Organisation.objects.filter(pk=key).first()
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


def _shown(value) -> str:
    """A key of a bulk item as the error entry repeats it: text or number, at most 50 characters."""
    return str(value)[:50] if isinstance(value, str | int) and not isinstance(value, bool) else ""


def _ars(value) -> str:
    if not isinstance(value, str) or not ARS_PATTERN.match(value):
        raise ValidationError(message("ozg.ars_format"))
    return value


def _apply(status: RolloutStatus, changes: dict, *, created: bool, today: datetime.date) -> tuple[dict, dict, dict]:
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


# --- single status ----------------------------------------------------------------------------------------


def rollout_status_rule_errors(*, current: RolloutStatus, changes: dict) -> dict:
    """The rule violations that `changes` (loosely typed, as for `rollout_status_update`) would cause on the
    saved status `current` (or on a new, unsaved one), as {field: [messages]}; nothing is written. The admin's
    form calls it, so the messages appear on its fields."""
    changes, errors = coerce_changes(changes)
    if errors:
        return errors
    probe = copy.copy(current)
    _old, _new, errors = _apply(probe, changes, created=current.pk is None, today=timezone.localdate())
    return errors


@transaction.atomic
def rollout_status_update(
    *,
    changes: dict,
    channel: str,
    by,
    status: RolloutStatus | None = None,
    leistung: OzgLeistung | None = None,
    verwaltung: Organisation | None = None,
    expected_version: int | None = None,
    is_demo: bool = False,
) -> RolloutStatus:
    """Changes (or creates) the status of one Leistung in one Verwaltung.

    Raises PermissionDenied unless `by` may write this Verwaltung's statuses, StaleVersionError when
    `expected_version` is given and is not the current version (0 means "I expect no status yet"), and
    ValidationError naming the fields when a rule is broken; all change nothing."""
    if status is not None:
        # The Leistung too: the audit entry names the status by it, without a query of its own.
        current = (
            RolloutStatus.objects.select_for_update(of=("self",))
            .select_related("verwaltung", "leistung")
            .get(pk=status.pk)
        )
    else:
        if leistung is None or verwaltung is None:
            raise ValueError("status or leistung and verwaltung are required")
        current = (
            RolloutStatus.objects.select_for_update(of=("self",))
            .select_related("verwaltung", "leistung")
            .filter(leistung=leistung, verwaltung=verwaltung)
            .first()
        )
    created = current is None
    if created:
        current = RolloutStatus(leistung=leistung, verwaltung=verwaltung, version=0, is_demo=is_demo)
    STATUS_WRITE.require(by, current)
    if expected_version is not None and int(expected_version) != current.version:
        raise StaleVersionError(current_version=current.version, expected_version=int(expected_version))

    changes, errors = coerce_changes(changes)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    old_values, new_values, errors = _apply(current, changes, created=created, today=timezone.localdate(now))
    if errors:
        raise ValidationError(errors)
    if not created and not new_values:
        return current

    current.version += 1
    current.updated_at = now
    if created:
        current.created_at = now
    current.full_clean(exclude=["leistung", "verwaltung", "provider"], validate_unique=False)
    if created:
        current.save(force_insert=True)
    else:
        current.save(update_fields=[*TRACKED_FIELDS, "version", "updated_at"])
    StatusEvent.objects.create(
        status=current,
        leistung_id=current.leistung_id,
        verwaltung_id=current.verwaltung_id,
        action=StatusEvent.Action.CREATED if created else StatusEvent.Action.CHANGED,
        old_values=old_values,
        new_values=new_values,
        changed_by=by if getattr(by, "pk", None) else None,
        changed_at=now,
        channel=channel,
    )
    return current


# --- bulk -------------------------------------------------------------------------------------------------


def _is_retryable(error: OperationalError) -> bool:
    """A deadlock or serialization failure (PostgreSQL's SQLSTATE 40P01, 40001): the transaction lost a race
    and may simply be repeated."""
    return getattr(error.__cause__, "pgcode", None) in RETRYABLE_SQLSTATES


def rollout_status_bulk_upsert(*, items: list[dict], channel: str, by) -> BulkResult:
    """Creates or changes up to 1,000 statuses at once; all or nothing.

    Each item: `ozg_id`, `ars`, optionally `version` (optimistic concurrency: the version the caller last read,
    0 for "I expect no status yet"; without it the item overwrites the current values), and any of the tracked
    fields. Items for Verwaltungen that `by` may not act for fail (`forbidden`). Raises PermissionDenied when `by`
    may write no status at all, BulkUpsertError with per-item errors (`conflict` when only versions are stale);
    on success returns counts. Uses a fixed number of queries.

    Safe under concurrency (PostgreSQL): new pairs are inserted first, `INSERT … ON CONFLICT DO NOTHING` in the
    order of (Leistung, Verwaltung); then every other pair's row is locked in the same order. A pair that another
    transaction created meanwhile is therefore read after that one committed and becomes an update of its row
    (or unchanged), with its own event, never a second "created". Writers that take their locks in this one order
    cannot deadlock each other; should PostgreSQL still report a deadlock or a serialization failure (another
    writer with another order), the whole upsert is repeated in its savepoint, at most `BULK_RETRIES` times."""
    STATUS_WRITE.require(by)
    allowed_verwaltung_ids = writable_verwaltung_ids(by)
    if len(items) > BULK_LIMIT:
        raise ValidationError({"items": [message("ozg.bulk_limit", n=BULK_LIMIT)]})
    if not items:
        return BulkResult()
    for attempt in itertools.count():
        try:
            with transaction.atomic():
                result = _bulk_upsert(items, channel=channel, by=by, allowed_verwaltung_ids=allowed_verwaltung_ids)
        except OperationalError as error:
            if attempt >= BULK_RETRIES or not _is_retryable(error):
                raise
            continue
        result.retries = attempt
        return result


@dataclass
class _BulkItem:
    index: int
    ozg_id: str
    ars: str
    pair: tuple[int, int]
    changes: dict
    expected: object
    fresh: RolloutStatus | None = None  # the status as it would be created, for a pair without one
    fresh_values: dict = field(default_factory=dict)
    fresh_errors: dict = field(default_factory=dict)

    @property
    def expects_none(self) -> bool:
        return self.expected in (None, "") or str(self.expected) == "0"


def _stale(item: _BulkItem, current: int) -> dict:
    return {
        "index": item.index,
        "ozg_id": item.ozg_id,
        "ars": item.ars,
        "errors": {"version": [message("ozg.stale_item", expected=item.expected, current=current)]},
    }


def _bulk_upsert(items: list[dict], *, channel: str, by, allowed_verwaltung_ids) -> BulkResult:
    # The one validation of the input (the same as the PATCH's), before anything is looked up.
    checked_items = [status_input(item, item=True) for item in items]
    ozg_ids = {values["ozg_id"] for values, _errors in checked_items if "ozg_id" in values}
    arses = {values["ars"] for values, _errors in checked_items if "ars" in values}
    providers = [
        values["changes"]["provider"]
        for values, _errors in checked_items
        if values.get("changes", {}).get("provider") is not None
    ]
    provider_ids = {key for key in providers if isinstance(key, int)}
    arses |= {key for key in providers if isinstance(key, str)}
    leistungen = {leistung.ozg_id: leistung for leistung in OzgLeistung.objects.filter(ozg_id__in=ozg_ids)}
    leistungen_by_pk = {leistung.pk: leistung for leistung in leistungen.values()}
    found = (
        Organisation.objects.filter(Q(ars__in=arses) | Q(pk__in=provider_ids))
        if provider_ids
        else (Organisation.objects.filter(ars__in=arses))
    )
    organisations = {org.ars: org for org in found if org.ars}
    organisations_by_pk = {org.pk: org for org in found}
    now = timezone.now()
    today = timezone.localdate(now)
    errors, forbidden, seen = [], False, set()
    prepared: list[_BulkItem] = []
    for index, (values, input_errors) in enumerate(checked_items):
        if "non_field_errors" in input_errors and "changes" not in values:
            errors.append({"index": index, "errors": input_errors})
            continue
        item_errors: dict[str, list[str]] = dict(input_errors)
        ozg_id, ars, expected = values.get("ozg_id"), values.get("ars"), values["version"]
        leistung = leistungen.get(ozg_id)
        verwaltung = organisations.get(ars)
        if leistung is None and "ozg_id" not in item_errors and ozg_id is not None:
            item_errors["ozg_id"] = [message("ozg.unknown_ozg_id", id=ozg_id)]
        if verwaltung is None:
            if "ars" not in item_errors:
                item_errors["ars"] = [message("ozg.unknown_ars", ars=ars)]
        elif allowed_verwaltung_ids is not None and verwaltung.pk not in allowed_verwaltung_ids:
            item_errors["ars"] = [message("ozg.verwaltung_forbidden")]
            forbidden = True
        changes = values["changes"]
        key = changes.get("provider")
        if key is not None:  # its ARS or id, looked up above with the others
            changes["provider"] = (organisations if isinstance(key, str) else organisations_by_pk).get(key)
            if changes["provider"] is None:
                item_errors["provider"] = [message("ozg.unknown_provider", key=key)]
        # The error entry repeats the item's key as sent (the CSV import's report shows the cells, formula-safe).
        shown_ozg_id, shown_ars = (
            _shown(items[index].get(name)) if isinstance(items[index], dict) else "" for name in ("ozg_id", "ars")
        )
        if item_errors:
            errors.append({"index": index, "ozg_id": shown_ozg_id, "ars": shown_ars, "errors": item_errors})
            continue
        pair = (leistung.pk, verwaltung.pk)
        if pair in seen:
            errors.append(
                {
                    "index": index,
                    "ozg_id": shown_ozg_id,
                    "ars": shown_ars,
                    "errors": {"non_field_errors": [message("ozg.duplicate_item")]},
                }
            )
            continue
        seen.add(pair)
        prepared.append(_BulkItem(index, shown_ozg_id, shown_ars, pair, changes, expected))

    # 1. Pairs without a status (as far as can be seen now, without locks): inserted as they would be created,
    #    unless a row exists by then (or another transaction is creating one: then after it commits). Only when
    #    every item is fine so far; a failing upsert writes nothing it keeps.
    known = existing_pairs(RolloutStatus, "leistung", "verwaltung", [item.pair for item in prepared])
    for item in prepared:
        if item.pair not in known:
            leistung_id, verwaltung_id = item.pair
            fresh = RolloutStatus(
                leistung=leistungen_by_pk[leistung_id],
                verwaltung=organisations_by_pk[verwaltung_id],
                version=0,
                created_at=now,
            )
            _old, item.fresh_values, item.fresh_errors = _apply(fresh, item.changes, created=True, today=today)
            fresh.version, fresh.updated_at = 1, now
            item.fresh = fresh
    had_errors = bool(errors)
    claimable = (
        []
        if had_errors
        else [item for item in prepared if item.fresh is not None and item.expects_none and not item.fresh_errors]
    )
    columns = [RolloutStatus._meta.get_field(name).attname for name in INSERT_FIELDS]
    created_ids = insert_new(
        RolloutStatus,
        INSERT_FIELDS,
        [tuple(getattr(item.fresh, column) for column in columns) for item in claimable],
        unique=("leistung", "verwaltung"),
    )
    # 2. Every other pair: its row, locked, in the same order.
    existing = {}
    for status in lock_pairs(
        RolloutStatus, "leistung", "verwaltung", [item.pair for item in prepared if item.pair not in created_ids]
    ):
        status.leistung = leistungen_by_pk[status.leistung_id]  # already loaded: the audit entry names the status
        status.verwaltung = organisations_by_pk[status.verwaltung_id]  # without a query per row
        existing[(status.leistung_id, status.verwaltung_id)] = status

    to_create, to_update, events = [], [], []
    result = BulkResult()
    for item in prepared:
        if item.pair in created_ids:
            status = item.fresh
            status.pk = created_ids[item.pair]
            status._state.adding, status._state.db = False, connection.alias
            to_create.append(status)
            result.statuses.append(status)
            events.append((status, True, {}, item.fresh_values))
            continue
        status = existing.get(item.pair)
        if status is None:
            # A new pair that was not inserted: its creation expects a status or breaks a rule, or another item
            # failed (then nothing is inserted at all), or (only thinkable: statuses are never deleted) its row
            # vanished between the checks and the lock.
            if item.fresh is not None and not item.expects_none:
                errors.append(_stale(item, 0))
            elif item.fresh_errors:
                errors.append(
                    {"index": item.index, "ozg_id": item.ozg_id, "ars": item.ars, "errors": item.fresh_errors}
                )
            elif not had_errors:
                errors.append(
                    {
                        "index": item.index,
                        "ozg_id": item.ozg_id,
                        "ars": item.ars,
                        "errors": {"non_field_errors": [message("ozg.concurrent_change")]},
                    }
                )
            continue
        if item.expected not in (None, "") and str(item.expected) != str(status.version):
            errors.append(_stale(item, status.version))
            continue
        old_values, new_values, rule_errors = _apply(status, item.changes, created=False, today=today)
        if rule_errors:
            errors.append({"index": item.index, "ozg_id": item.ozg_id, "ars": item.ars, "errors": rule_errors})
            continue
        if not new_values:
            result.unchanged += 1
            result.statuses.append(status)
            continue
        status.version += 1
        status.updated_at = now
        to_update.append(status)
        result.statuses.append(status)
        events.append((status, False, old_values, new_values))
    if errors:
        conflict = not forbidden and all(set(error["errors"]) == {"version"} for error in errors)
        raise BulkUpsertError(errors, forbidden=forbidden, conflict=conflict)

    if to_update:
        changed_fields = sorted({name for _s, created, _o, new in events if not created for name in new})
        fast_update(RolloutStatus, to_update, [*changed_fields, "version", "updated_at"])
    changed_by = by.pk if getattr(by, "pk", None) else None
    fast_insert(
        StatusEvent,
        [
            "status",
            "leistung",
            "verwaltung",
            "action",
            "old_values",
            "new_values",
            "changed_by",
            "changed_at",
            "channel",
        ],
        [
            (
                status.pk,
                status.leistung_id,
                status.verwaltung_id,
                StatusEvent.Action.CREATED if created else StatusEvent.Action.CHANGED,
                old_values,
                new_values,
                changed_by,
                now,
                channel,
            )
            for status, created, old_values, new_values in events
        ],
    )
    # The raw-SQL writes above pass no model signals: the audit trail gets its entries here, in one INSERT.
    audit_record_many(
        model=RolloutStatus,
        by=by,
        when=now,
        records=[
            Record(
                action=Action.CREATED if created else Action.CHANGED,
                instance=status,
                changes=new_values if created else {name: [old_values[name], new_values[name]] for name in new_values},
            )
            for status, created, old_values, new_values in events
        ],
    )
    result.created, result.updated = len(to_create), len(to_update)
    return result


# --- snapshots --------------------------------------------------------------------------------------------


def snapshot_aggregates(states, *, leistung_themenfeld: dict, verwaltung_ars: dict) -> dict:
    """Aggregates of status states [(leistung_id, verwaltung_id, stage, maturity_level)] for the time series."""
    by_stage = dict.fromkeys(Stage.values, 0)
    by_themenfeld: dict[str, dict] = {}
    by_kreis: dict[str, dict] = {}
    leistungen_online, verwaltungen_online = set(), set()
    statuses = online = 0
    for leistung_id, verwaltung_id, stage, _level in states:
        statuses += 1
        by_stage[stage] = by_stage.get(stage, 0) + 1
        kreis = (verwaltung_ars.get(verwaltung_id) or "")[:5]
        bucket = by_kreis.setdefault(kreis, {"statuses": 0, "online": 0})
        bucket["statuses"] += 1
        if stage in ONLINE_STAGES:
            online += 1
            bucket["online"] += 1
            leistungen_online.add(leistung_id)
            verwaltungen_online.add(verwaltung_id)
    for leistung_id in leistungen_online:
        themenfeld = str(leistung_themenfeld.get(leistung_id))
        by_themenfeld[themenfeld] = by_themenfeld.get(themenfeld, 0) + 1
    return {
        "statuses": statuses,
        "online": online,
        "leistungen_online": len(leistungen_online),
        "verwaltungen_online": len(verwaltungen_online),
        "by_stage": by_stage,
        "leistungen_online_by_themenfeld": by_themenfeld,
        "by_kreis": by_kreis,
    }


def _states_as_of(cutoff: datetime.datetime) -> dict:
    """{status_id: [leistung_id, verwaltung_id, stage, level]} at `cutoff`: today's values with every later
    event undone (newest first), so a recent date costs only the events since then."""
    states = {
        pk: [leistung_id, verwaltung_id, stage, level]
        for pk, leistung_id, verwaltung_id, stage, level in RolloutStatus.objects.values_list(
            "pk", "leistung_id", "verwaltung_id", "stage", "maturity_level"
        ).iterator(chunk_size=5000)
    }
    later = (
        StatusEvent.objects.filter(changed_at__gte=cutoff)
        .order_by("-changed_at", "-id")
        .values_list("status_id", "action", "old_values")
    )
    for status_id, action, old_values in later.iterator(chunk_size=5000):
        if action == StatusEvent.Action.CREATED:
            states.pop(status_id, None)
        elif status_id in states:
            if "stage" in old_values:
                states[status_id][2] = old_values["stage"]
            if "maturity_level" in old_values:
                states[status_id][3] = old_values["maturity_level"]
    return states


@transaction.atomic
def snapshot_create(*, date: datetime.date, by) -> MonthlySnapshot:
    """The aggregates as of the start of `date` (00:00 Europe/Berlin), stored once per date: running it again
    for the same date recomputes and replaces the same row."""
    SNAPSHOT_CREATE.require(by)
    cutoff = timezone.make_aware(datetime.datetime.combine(date, datetime.time.min))
    states = _states_as_of(cutoff)
    aggregates = snapshot_aggregates(
        states.values(),
        leistung_themenfeld=dict(OzgLeistung.objects.values_list("pk", "themenfeld__catalogue_id")),
        verwaltung_ars=dict(Organisation.objects.filter(kind__in=STATUS_KINDS).values_list("pk", "ars")),
    )
    snapshot, _created = MonthlySnapshot.objects.update_or_create(
        date=date,
        defaults={
            "statuses": aggregates["statuses"],
            "online": aggregates["online"],
            "leistungen_online": aggregates["leistungen_online"],
            "aggregates": aggregates,
            "is_demo": RolloutStatus.objects.filter(is_demo=True).exists(),
            "created_at": timezone.now(),
        },
    )
    return snapshot


# --- CSV upload of status rows -----------------------------------------------------------------------------

IMPORT_CHUNK = 500
IMPORT_REQUIRED_COLUMNS = ["ozg_id", "ars"]


def _error_report(errors: list[dict]) -> str:
    """The downloadable error report. It repeats cells of the upload: written formula-safe (a cell "=…" stays text)."""
    import io

    from common.csvfiles import SafeCsvWriter

    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer, lineterminator="\n")
    writer.writerow(["zeile", "ozg_id", "ars", "feld", "fehler"])
    for error in errors:
        for field_name, texts in error["errors"].items():
            for text in texts:
                writer.writerow(
                    [error.get("line", ""), error.get("ozg_id", ""), error.get("ars", ""), field_name, text]
                )
    return buffer.getvalue()


def _read_import_rows(job) -> list[dict]:
    """The rows of an uploaded status CSV. Raises CsvFileError (German, with the line) for a file that is not
    UTF-8 CSV, lacks a required column or data rows, or names the same Leistung and Verwaltung twice."""
    from common.csvfiles import CsvFileError, decode_csv_bytes, read_csv_rows

    job.file.open("rb")
    try:
        text = decode_csv_bytes(job.file.read())
    finally:
        job.file.close()
    header, rows = read_csv_rows(text, delimiter=";" if text.split("\n", 1)[0].count(";") else ",")
    missing = [column for column in IMPORT_REQUIRED_COLUMNS if column not in header]
    if missing:
        raise CsvFileError(message("csv.columns_missing") % {"columns": ", ".join(missing)}, 1)
    if not rows:
        raise CsvFileError(message("csv.no_rows"))
    seen, items = {}, []
    for line, row in rows:
        pair = (row["ozg_id"].strip(), row["ars"].strip())
        if pair in seen:
            raise CsvFileError(
                _("OZG-ID %(ozg)s und ARS %(ars)s kommen doppelt vor (auch in Zeile %(first)d).")
                % {"ozg": pair[0][:20], "ars": pair[1][:20], "first": seen[pair]},
                line,
            )
        seen[pair] = line
        # Empty cells mean "leave as is"; only filled cells are changes.
        items.append({"_line": line, **{key: value for key, value in row.items() if key and value != ""}})
    return items


class _DryRun(Exception):
    pass


def import_job_run(*, job) -> None:
    """Checks every row (progress visible while it runs), then applies all rows in one transaction. Any error:
    the job fails with a downloadable report and nothing is changed. The uploader acts (rules, Verwaltungen, the
    audit trail), through whatever door runs the job (a Celery task, a command)."""
    with acting_as(user=job.uploaded_by):
        _import_job_run(job)


def _import_job_run(job) -> None:
    from .models import ImportJob

    job.state, job.processed_rows = ImportJob.State.RUNNING, 0
    job.save(update_fields=["state", "processed_rows"])
    from common.csvfiles import CsvFileError

    try:
        rows = _read_import_rows(job)
    except CsvFileError as error:
        job.state, job.error_count, job.finished_at = ImportJob.State.FAILED, 1, timezone.now()
        job.error_report = _error_report([{"line": error.line or "", "errors": {"datei": [error.message]}}])
        job.save(update_fields=["state", "error_count", "error_report", "finished_at"])
        return
    job.total_rows = len(rows)
    job.save(update_fields=["total_rows"])
    by = job.uploaded_by  # the uploader acts: the rule and her Verwaltungen apply to every row
    errors = []
    for start in range(0, len(rows), IMPORT_CHUNK):
        chunk = rows[start : start + IMPORT_CHUNK]
        items = [{key: value for key, value in row.items() if key != "_line"} for row in chunk]
        try:
            with transaction.atomic():
                rollout_status_bulk_upsert(items=items, by=by, channel="import")
                raise _DryRun
        except _DryRun:
            pass
        except BulkUpsertError as error:
            for entry in error.errors:
                errors.append({**entry, "line": chunk[entry["index"]]["_line"]})
        except PermissionDenied as error:
            errors.append({"line": "", "errors": {"datei": [str(error)]}})
            break
        job.processed_rows = start + len(chunk)
        job.save(update_fields=["processed_rows"])
    if not errors:
        try:
            with transaction.atomic():
                created = updated = 0
                for start in range(0, len(rows), IMPORT_CHUNK):
                    items = [
                        {k: v for k, v in row.items() if k != "_line"} for row in rows[start : start + IMPORT_CHUNK]
                    ]
                    result = rollout_status_bulk_upsert(items=items, by=by, channel="import")
                    created, updated = created + result.created, updated + result.updated
        except BulkUpsertError as error:
            errors = [{**entry, "line": ""} for entry in error.errors]
    job.finished_at = timezone.now()
    if errors:
        job.state, job.error_count, job.error_report = ImportJob.State.FAILED, len(errors), _error_report(errors)
        job.save(update_fields=["state", "error_count", "error_report", "finished_at"])
        return
    job.state, job.created_count, job.updated_count = ImportJob.State.DONE, created, updated
    job.save(update_fields=["state", "created_count", "updated_count", "finished_at"])


@transaction.atomic
def import_job_create(*, file, by):
    """Stores the upload and queues its processing once the row is committed."""
    from .models import ImportJob
    from .tasks import import_job_process

    IMPORT_JOB_CREATE.require(by)
    job = ImportJob(file=file, uploaded_by=by)
    job.full_clean()
    job.save()
    transaction.on_commit(lambda: import_job_process.delay(job.pk))
    return job


# --- catalogue --------------------------------------------------------------------------------------------


@transaction.atomic
def leistung_level_set(*, leistung: OzgLeistung, level: str, by) -> OzgLeistung:
    """Staff set the executing level of an OZG-Leistung. It is marked "von der Redaktion festgelegt", so later
    catalogue imports keep it (they re-derive only levels of origin "default")."""
    LEISTUNG_LEVEL_SET.require(by)
    leistung.level = level
    leistung.level_source = OzgLeistung.LevelSource.MANUAL
    leistung.full_clean()
    leistung.save()
    return leistung
