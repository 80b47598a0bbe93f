"""Writes of rollout statuses: one (`rollout_status_update`) or up to 1,000 at once (`rollout_status_bulk_upsert`),
whichever door they come through (admin, API token, CSV import, demo); each writes an immutable StatusEvent. The
cached OZG reads are replaced when the transaction commits, by the write hook of `common.cached_reads`.

Where a write came from is never passed in: the history's channel and the public source kind (stored on the status
as its current provenance, `source_kind`/`source_at`, and on its event) are derived from the audit context
(`audit.context.current_actor`, `common.provenance`); importers and the demo declare theirs with
`acting_as(source=...)`. A status created with the declared source kind "Beispieldaten" is a demo row (`is_demo`).
Any other write to a demo row makes it real, even one that changes no value (whoever writes it vouches for it):
`is_demo` is cleared, the new source kind stored, and its event says so (`source_kind` in its old and new values,
e.g. "demo" → "redaktion"; `made_real`). `load_ozg_demo --remove` therefore never deletes a row someone wrote.

Every write takes the acting user as `by` and checks `STATUS_WRITE` first: `ozg_monitoring.change_rolloutstatus`
(groups Monitoring and Kommune) and a Verwaltung the user may act for (`accounts.selectors.
writable_verwaltung_ids`: all for Monitoring and superusers, else the memberships with the role "meldend"). The
API's policy and the admin ask the same Rule before they read the input."""

import copy
import itertools
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from accounts.authorization import verwaltung_scope
from accounts.selectors import writable_verwaltung_ids
from audit.context import current_actor
from audit.models import Action
from audit.services import Record, audit_record_many
from common.authorization import Rule
from common.messages import message
from common.provenance import SourceKind
from common.sql import existing_pairs, fast_insert, fast_update, insert_new, lock_pairs
from organisations import selectors as register
from organisations.models import Organisation

from ..models import (
    OzgLeistung,
    RolloutStatus,
    StatusEvent,
)
from .values import (
    BULK_LIMIT,
    TRACKED_FIELDS,
    apply_changes,
    coerce_changes,
    shown_key,
    status_input,
)

#: The columns of a status that the bulk upsert inserts (all but the id).
INSERT_FIELDS = [
    "leistung",
    "verwaltung",
    *TRACKED_FIELDS,
    "version",
    "is_demo",
    "source_kind",
    "source_at",
    "created_at",
    "updated_at",
]
#: The columns of a history row written in bulk (`common.sql.fast_insert`): by the demo loader and the benchmarks,
#: and by the bulk upsert with `changed_by` after them.
EVENT_FIELDS = [
    "status",
    "leistung",
    "verwaltung",
    "action",
    "old_values",
    "new_values",
    "changed_at",
    "channel",
    "source_kind",
]
#: What a write stores besides the tracked fields: its version and its provenance.
WRITE_FIELDS = ["version", "is_demo", "source_kind", "source_at", "updated_at"]
#: How often a bulk upsert is repeated after a deadlock or serialization failure (SQLSTATE 40P01, 40001).
BULK_RETRIES = 2
RETRYABLE_SQLSTATES = {"40P01", "40001"}

STATUS_WRITE = Rule(
    action=_lazy("Umsetzungsstand melden"),
    perms=("ozg_monitoring.change_rolloutstatus",),
    scope=verwaltung_scope(lambda status: status.verwaltung_id),
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
    #: (status, created, old values, new values) per written status: what the import's dry run shows
    changes: list = field(default_factory=list)


def made_real(status: RolloutStatus, *, source_kind: str, old_values: dict, new_values: dict) -> bool:
    """A write with `source_kind` to a demo row makes it real: clears `is_demo` and records the change of source
    kind in the event's values (in place). False (nothing done) for a real row or a demo write."""
    if not status.is_demo or source_kind == SourceKind.DEMO:
        return False
    status.is_demo = False
    old_values["source_kind"] = status.source_kind or SourceKind.DEMO
    new_values["source_kind"] = source_kind
    return True


# --- single status ----------------------------------------------------------------------------------------


def rollout_status_rule_errors(*, current: RolloutStatus, changes: dict) -> dict:
    """The rule violations that `changes` (loosely typed, as for `rollout_status_update`) would cause on the
    saved status `current` (or on a new, unsaved one), as {field: [messages]}; nothing is written. The admin's
    form calls it, so the messages appear on its fields."""
    changes, errors = coerce_changes(changes)
    if errors:
        return errors
    probe = copy.copy(current)
    _old, _new, errors = apply_changes(probe, changes, created=current.pk is None, today=timezone.localdate())
    return errors


@transaction.atomic
def rollout_status_update(
    *,
    changes: dict,
    by,
    status: RolloutStatus | None = None,
    leistung: OzgLeistung | None = None,
    verwaltung: Organisation | None = None,
    expected_version: int | None = None,
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
    actor = current_actor(fallback_user=by)
    source_kind = actor.source_kind
    if created:
        current = RolloutStatus(
            leistung=leistung, verwaltung=verwaltung, version=0, is_demo=source_kind == SourceKind.DEMO
        )
    STATUS_WRITE.require(by, current)
    if expected_version is not None and int(expected_version) != current.version:
        raise StaleVersionError(current_version=current.version, expected_version=int(expected_version))

    changes, errors = coerce_changes(changes)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    old_values, new_values, errors = apply_changes(current, changes, created=created, today=timezone.localdate(now))
    if errors:
        raise ValidationError(errors)
    real_now = not created and made_real(current, source_kind=source_kind, old_values=old_values, new_values=new_values)
    if not created and not new_values and not real_now:
        return current

    current.version += 1
    current.updated_at = current.source_at = now
    current.source_kind = source_kind
    if created:
        current.created_at = now
    current.full_clean(exclude=["leistung", "verwaltung", "provider"], validate_unique=False)
    if created:
        current.save(force_insert=True)
    else:
        current.save(update_fields=[*TRACKED_FIELDS, *WRITE_FIELDS])
    StatusEvent.objects.create(
        status=current,
        leistung_id=current.leistung_id,
        verwaltung_id=current.verwaltung_id,
        action=StatusEvent.Action.CREATED if created else StatusEvent.Action.CHANGED,
        old_values=old_values,
        new_values=new_values,
        changed_by=by if getattr(by, "pk", None) else None,
        changed_at=now,
        channel=actor.channel,
        source_kind=source_kind,
    )
    return current


# --- bulk -------------------------------------------------------------------------------------------------


def _is_retryable(error: OperationalError) -> bool:
    """A deadlock or serialization failure (PostgreSQL's SQLSTATE 40P01, 40001): the transaction lost a race
    and may simply be repeated."""
    return getattr(error.__cause__, "pgcode", None) in RETRYABLE_SQLSTATES


def rollout_status_bulk_upsert(*, items: list[dict], by) -> BulkResult:
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
                result = _bulk_upsert(items, by=by, allowed_verwaltung_ids=allowed_verwaltung_ids)
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


def _bulk_upsert(items: list[dict], *, by, allowed_verwaltung_ids) -> BulkResult:
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
    found = register.bodies_by_keys(arses, provider_ids)
    organisations = {org.ars: org for org in found if org.ars}
    organisations_by_pk = {org.pk: org for org in found}
    now = timezone.now()
    today = timezone.localdate(now)
    actor = current_actor(fallback_user=by)
    source_kind = actor.source_kind
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
            shown_key(items[index].get(name)) if isinstance(items[index], dict) else "" for name in ("ozg_id", "ars")
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
                is_demo=source_kind == SourceKind.DEMO,
                source_kind=source_kind,
                source_at=now,
                created_at=now,
            )
            _old, item.fresh_values, item.fresh_errors = apply_changes(fresh, item.changes, created=True, today=today)
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
        old_values, new_values, rule_errors = apply_changes(status, item.changes, created=False, today=today)
        if rule_errors:
            errors.append({"index": item.index, "ozg_id": item.ozg_id, "ars": item.ars, "errors": rule_errors})
            continue
        if not made_real(status, source_kind=source_kind, old_values=old_values, new_values=new_values) and not (
            new_values
        ):
            result.unchanged += 1
            result.statuses.append(status)
            continue
        status.version += 1
        status.updated_at = status.source_at = now
        status.source_kind = source_kind
        to_update.append(status)
        result.statuses.append(status)
        events.append((status, False, old_values, new_values))
    if errors:
        conflict = not forbidden and all(set(error["errors"]) == {"version"} for error in errors)
        raise BulkUpsertError(errors, forbidden=forbidden, conflict=conflict)

    if to_update:
        changed_fields = sorted(
            {name for _s, created, _o, new in events if not created for name in new if name in TRACKED_FIELDS}
        )
        fast_update(RolloutStatus, to_update, [*changed_fields, *WRITE_FIELDS])
    changed_by = by.pk if getattr(by, "pk", None) else None
    fast_insert(
        StatusEvent,
        [*EVENT_FIELDS, "changed_by"],
        [
            (
                status.pk,
                status.leistung_id,
                status.verwaltung_id,
                StatusEvent.Action.CREATED if created else StatusEvent.Action.CHANGED,
                old_values,
                new_values,
                now,
                actor.channel,
                source_kind,
                changed_by,
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
    result.changes = events
    return result
