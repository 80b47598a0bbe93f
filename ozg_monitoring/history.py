"""The public history of the statuses in words, through the one formatter `common.history`: the pages
(`ozg_monitoring/_events.html`), the API's display fields (`aenderungen`, `aenderung`) and the admin's list of
status changes say an event the same way: "Umsetzungsstand: geplant → online verfügbar; Reifegrad 3 nach Modell
2.0; Plattform: OZG-Cloud".

The level and its model are one fact ("Reifegrad 3 nach Modell 2.0"); an event that changed the level only says
the level without a model (the model it was read against is not stored with that event, and none is invented)."""

from collections.abc import Iterable

from django.utils.translation import gettext as _

from common import history
from common.history import Change

from .models import RolloutStatus, StatusEvent

LEVEL, MODEL = "maturity_level", "maturity_model"


def _level(level, model) -> str:
    shown = history.unknown() if level in (None, "") else str(level)
    if model in (None, ""):
        return shown
    return _("%(level)s nach Modell %(model)s") % {"level": shown, "model": model}


def _maturity(event) -> Change | None:
    new, old = event.new_values or {}, event.old_values or {}
    if LEVEL not in new and MODEL not in new:
        return None
    label = history.field_label(RolloutStatus, LEVEL)
    if event.action == StatusEvent.Action.CREATED:
        phrase = _("Reifegrad %(level)s") % {"level": _level(new.get(LEVEL), new.get(MODEL))}
        return Change(field=LEVEL, label=label, new=_level(new.get(LEVEL), new.get(MODEL)), phrase=phrase)
    if LEVEL not in new:  # the model alone changed
        return Change(
            field=MODEL,
            label=history.field_label(RolloutStatus, MODEL),
            old=old.get(MODEL) or history.unknown(),
            new=new.get(MODEL) or history.unknown(),
        )
    if MODEL in new:
        before, after = _level(old.get(LEVEL), old.get(MODEL)), _level(new.get(LEVEL), new.get(MODEL))
    else:
        before, after = _level(old.get(LEVEL), None), _level(new.get(LEVEL), None)
    return Change(field=LEVEL, label=label, old=before, new=after)


def event_changes(event, *, related: dict | None = None) -> list[Change]:
    """What one history entry changed, in words, in the order of the status's fields (the level and its model as
    one)."""
    new = event.new_values or {}
    created = event.action == StatusEvent.Action.CREATED
    changes = history.describe(
        RolloutStatus,
        new=new,
        old=None if created else (event.old_values or {}),
        related=related,
        skip={LEVEL, MODEL},
        skip_empty=created,
    )
    maturity = _maturity(event)
    if maturity is not None:
        keys = history.ordered(RolloutStatus, new)
        first = min(keys.index(name) for name in (LEVEL, MODEL) if name in new)
        position = sum(1 for name in keys[:first] if name not in (LEVEL, MODEL))
        changes.insert(position, maturity)
    return changes


def event_text(event, *, related: dict | None = None, changes: list[Change] | None = None) -> str:
    """The entry as one line: "angelegt: …" for a status created, the changes otherwise."""
    words = history.text(changes if changes is not None else event_changes(event, related=related))
    if event.action == StatusEvent.Action.CREATED:
        return f"{StatusEvent.Action.CREATED.label}: {words}" if words else str(StatusEvent.Action.CREATED.label)
    return words or history.EMPTY


def describe_events(events: Iterable[StatusEvent]) -> list[StatusEvent]:
    """The entries with `changes` (list of `Change`) and `changes_text` set, their references (the provider)
    resolved in one query for all of them."""
    events = list(events)
    related = history.related_labels(
        RolloutStatus, [values for event in events for values in (event.old_values, event.new_values)]
    )
    for event in events:
        event.changes = event_changes(event, related=related)
        event.changes_text = event_text(event, changes=event.changes)
    return events
