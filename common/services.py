"""Helpers for the apps' write services."""

from collections.abc import Callable, Iterable, Mapping

from django.db import models


def model_update(
    *,
    instance: models.Model,
    fields: Iterable[str],
    data: Mapping,
    save: Callable[[models.Model, list[str]], object] | None = None,
) -> tuple[models.Model, bool]:
    """Changes an existing row, the way HackSoft's styleguide does: sets each of `fields` that `data` holds and whose
    value differs, and, if any did, saves with `update_fields` (the changed fields plus the `auto_now` ones such as
    `updated_at`). Returns (instance, has_updated); nothing changed, nothing is saved.

    `fields` names what the caller may change: a key of `data` outside it is a programming error (TypeError), not
    an attribute set by accident. Without `save`: `full_clean()` and `instance.save(update_fields=...)`. With `save`
    (called as `save(instance, update_fields)`): the service's own save, which checks its rule first (for instance
    `agreement_save`, `budget_line_save`). Many-to-many fields are not fields here: the service sets them."""
    allowed = set(fields)
    unknown = set(data) - allowed
    if unknown:
        raise TypeError(f"model_update: not allowed for {type(instance).__name__}: {', '.join(sorted(unknown))}")
    changed = []
    for name, value in data.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    if not changed:
        return instance, False
    changed += [
        field.name
        for field in instance._meta.concrete_fields
        if getattr(field, "auto_now", False) and field.name not in changed
    ]
    if save is None:
        instance.full_clean()
        instance.save(update_fields=changed)
    else:
        save(instance, changed)
    return instance, True


def editable_fields(model: type[models.Model], *, exclude: Iterable[str] = ()) -> tuple[str, ...]:
    """The names of the fields a service may change on `model` (for `model_update(fields=...)`): every editable
    concrete field but the primary key and the `auto_now`/`auto_now_add` stamps; derived fields are `editable=False`
    in the model and so not among them."""
    left_out = set(exclude)
    return tuple(
        field.name
        for field in model._meta.concrete_fields
        if field.editable
        and not field.primary_key
        and not getattr(field, "auto_now", False)
        and not getattr(field, "auto_now_add", False)
        and field.name not in left_out
    )
