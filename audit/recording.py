"""Signal handlers that record every save, delete and many-to-many change of the audited models.

Old values come from a snapshot taken when the instance was loaded (`post_init`) and renewed after each save,
so an update costs no extra SELECT: the only extra query is the entry's INSERT. Only an instance built in
memory with the primary key of an existing row (rare) costs one SELECT for its old values in `pre_save`.
A save that changes no logged field writes no entry.
"""

from django.db.models.signals import m2m_changed, post_delete, post_init, post_save, pre_save

from .context import is_suppressed
from .models import Action
from .registry import SNAPSHOT_KEY as SNAPSHOT
from .registry import rule_for, rules
from .services import Record, audit_record, audit_record_many, object_label


def _take_snapshot(sender, instance, **kwargs):
    rule = rule_for(sender)
    if rule is not None and not is_suppressed():
        instance.__dict__[SNAPSHOT] = rule.snapshot(instance)


def _before_save(sender, instance, raw=False, using=None, update_fields=None, **kwargs):
    if is_suppressed() or instance.pk is None:
        return
    if not instance._state.adding and SNAPSHOT in instance.__dict__:
        return
    # Built in memory with a primary key (the row may exist already), or loaded without a snapshot (inside a
    # suppressed block): the old values come from the database, one SELECT.
    rule = rule_for(sender)
    row = sender._base_manager.using(using).filter(pk=instance.pk).values(*rule.attnames).first()
    instance.__dict__[SNAPSHOT] = row


def _after_save(sender, instance, created, raw=False, using=None, update_fields=None, **kwargs):
    rule = rule_for(sender)
    if rule is None:
        return
    if not is_suppressed():
        if created:
            audit_record(
                action=Action.CREATED,
                instance=instance,
                changes=rule.values(instance),
                using=using,
                by=getattr(instance, "_history_user", None),
            )
        else:
            changes = rule.diff(instance.__dict__.get(SNAPSHOT), instance, only=update_fields)
            if changes:
                audit_record(
                    action=Action.CHANGED,
                    instance=instance,
                    changes=changes,
                    using=using,
                    by=getattr(instance, "_history_user", None),
                )
    if not is_suppressed():
        instance.__dict__[SNAPSHOT] = rule.snapshot(instance)


def _after_delete(sender, instance, using=None, **kwargs):
    rule = rule_for(sender)
    if rule is None or is_suppressed():
        return
    audit_record(
        action=Action.DELETED,
        instance=instance,
        changes=rule.values(instance),
        using=using,
        by=getattr(instance, "_history_user", None),
    )


# --- many-to-many ------------------------------------------------------------------------------------------


def _m2m_field(through, model):
    for m2m in rule_for(model).m2m_fields if rule_for(model) else []:
        if m2m.remote_field.through is through:
            return m2m
    return None


def _labels(model, pks) -> list[str]:
    """Readable names of the related objects, in one query (permissions as app_label.codename)."""
    if not pks:
        return []
    if model._meta.label == "auth.Permission":
        rows = model._default_manager.filter(pk__in=pks).values_list("content_type__app_label", "codename")
        return sorted(f"{app_label}.{codename}" for app_label, codename in rows)
    return sorted(object_label(obj) for obj in model._default_manager.filter(pk__in=pks))


def _current_pks(through, source: str, target: str, pk) -> set:
    return set(through._default_manager.filter(**{source: pk}).values_list(target, flat=True))


def _m2m_changed(sender, instance, action, reverse, model, pk_set, using=None, **kwargs):
    if is_suppressed():
        return
    forward_model = model if reverse else type(instance)
    m2m = _m2m_field(sender, forward_model)
    if m2m is None:
        return
    source, target = m2m.m2m_field_name(), m2m.m2m_reverse_field_name()
    if reverse:
        source, target = target, source
    if action == "pre_clear":
        instance.__dict__[f"_audit_cleared_{m2m.name}"] = _current_pks(sender, source, target, instance.pk)
        return
    if action == "post_clear":
        pk_set, key = instance.__dict__.pop(f"_audit_cleared_{m2m.name}", set()), "removed"
    elif action in ("post_add", "post_remove"):
        key = "added" if action == "post_add" else "removed"
    else:
        return
    if not pk_set:
        return
    if not reverse:
        change = {m2m.name: {key: _labels(model, pk_set)}}
        audit_record(action=Action.M2M, instance=instance, changes=change, using=using)
        return
    # Changed from the other side (e.g. group.user_set.add(user)): one entry per changed forward object.
    label = object_label(instance)
    audit_record_many(
        model=forward_model,
        using=using or "default",
        records=[
            Record(action=Action.M2M, instance=obj, changes={m2m.name: {key: [label]}})
            for obj in forward_model._default_manager.filter(pk__in=pk_set)
        ],
    )


def connect() -> None:
    for model, rule in rules().items():
        uid = f"audit_{model._meta.label_lower}"
        post_init.connect(_take_snapshot, sender=model, dispatch_uid=f"{uid}_init")
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"{uid}_pre_save")
        post_save.connect(_after_save, sender=model, dispatch_uid=f"{uid}_post_save")
        post_delete.connect(_after_delete, sender=model, dispatch_uid=f"{uid}_post_delete")
        for m2m in rule.m2m_fields:
            m2m_changed.connect(_m2m_changed, sender=m2m.remote_field.through, dispatch_uid=f"{uid}_{m2m.name}_m2m")
