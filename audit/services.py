"""Writing entries: one INSERT per single write (`audit_record`), one INSERT for a bulk path
(`audit_record_many`). Both write in the caller's transaction, so a rollback takes the entries with it.

Bulk paths that bypass model signals (raw SQL, `bulk_create`, `QuerySet.update`) call `audit_record_many`
themselves, e.g.::

    audit_record_many(model=RolloutStatus, by=by, records=[
        Record(action=Action.CHANGED, instance=status, changes={"stage": ["geplant", "online"]}), ...])
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django.utils.text import capfirst

from common.sql import fast_insert

from .context import Actor, current_actor
from .models import LABEL_LENGTH, Action, AuditEntry
from .registry import json_value, rule_for

__all__ = ["Record", "audit_record", "audit_record_many", "instance_values", "json_value", "object_label"]


@dataclass
class Record:
    """One change of one object, for `audit_record_many`."""

    action: str
    instance: object = None
    changes: dict = field(default_factory=dict)
    object_id: object = None
    label: str = ""


class _QueryBlocked(Exception):
    pass


def _block_queries(execute, sql, params, many, context):
    raise _QueryBlocked


def object_label(instance, *, allow_queries: bool = False) -> str:
    """str() of the object, cut to the field's length. Unless `allow_queries`, str() may not hit the database
    (a related object that is not loaded yet): then the label is "<Art> #<id>", and the write costs no query
    beyond its INSERT."""
    if allow_queries:
        return _label(instance)
    with connections[instance._state.db or DEFAULT_DB_ALIAS].execute_wrapper(_block_queries):
        return _label(instance)


def _label(instance) -> str:
    try:
        text = str(instance)
    except Exception:  # noqa: BLE001 - _QueryBlocked, or a related object that is already gone
        text = ""
    return (text or f"{capfirst(instance._meta.verbose_name)} #{instance.pk}")[:LABEL_LENGTH]


def instance_values(instance) -> dict:
    """{field: value} of an audited instance as the log shows it (secrets masked), e.g. for an entry "angelegt"
    written by a bulk path."""
    rule = rule_for(type(instance))
    return rule.values(instance) if rule is not None else {}


def _entry_values(*, model, action, object_id, label, changes, actor: Actor, when) -> dict:
    """The fields of one entry ({field name: value}; the content type as its id)."""
    return {
        "when": when,
        "actor": actor.user_id,
        "actor_label": actor.label,
        "door": actor.door,
        "door_detail": actor.detail,
        "token_id": actor.token_id,
        "action": action,
        "content_type": ContentType.objects.get_for_model(model, for_concrete_model=False).pk,
        "object_id": "" if object_id is None else str(object_id)[:64],
        "object_label": (label or "")[:LABEL_LENGTH],
        "changes": changes or {},
    }


def _entry(**kwargs) -> AuditEntry:
    values = _entry_values(**kwargs)
    values["actor_id"], values["content_type_id"] = values.pop("actor"), values.pop("content_type")
    return AuditEntry(**values)


def audit_record(
    *, action: str, instance, changes: dict, by=None, label: str | None = None, using: str | None = None
) -> AuditEntry:
    """Record one change of `instance` (one INSERT). `by` names the actor where the context has none."""
    entry = _entry(
        model=type(instance),
        action=action,
        object_id=instance.pk,
        label=label if label is not None else object_label(instance, allow_queries=action == Action.DELETED),
        changes=changes,
        actor=current_actor(fallback_user=by),
        when=timezone.now(),
    )
    entry.save(using=using or instance._state.db or DEFAULT_DB_ALIAS)
    return entry


def audit_record_many(*, model, records: Iterable[Record], by=None, when=None, using: str = DEFAULT_DB_ALIAS) -> int:
    """Record many changes of objects of one model in a single INSERT (a single statement on PostgreSQL; one
    prepared statement on SQLite, whose bound-parameter limit would otherwise split it). Changes are passed
    through the model's rules (secrets masked, noise dropped). Returns the number of entries."""
    actor = current_actor(fallback_user=by)
    when = when or timezone.now()
    rule = rule_for(model)
    records = list(records)
    # Labels may not query (see object_label): one wrapper around all of them.
    with connections[using].execute_wrapper(_block_queries):
        labels = [
            record.label or (_label(record.instance) if record.instance is not None else "") for record in records
        ]
    rows = [
        _entry_values(
            model=model,
            action=record.action,
            object_id=record.object_id if record.object_id is not None else getattr(record.instance, "pk", None),
            label=label,
            changes=rule.clean(record.changes) if rule is not None else record.changes,
            actor=actor,
            when=when,
        )
        for record, label in zip(records, labels, strict=True)
    ]
    if rows:
        # One multi-row INSERT without model instances (`common.sql.fast_insert`: Django's bulk_create prepared each
        # of the 11 values of each row through the compiler, about 50 ms for the 1,000 entries of a status bulk).
        names = list(rows[0])
        fast_insert(AuditEntry, names, [tuple(row[name] for name in names) for row in rows], using=using)
    return len(rows)
