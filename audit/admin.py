"""The audit trail in the admin: readable by staff with the view permission (superusers, the groups Revision and
Administration), changeable by nobody. Every change form links to the entries of its object and of what belongs
to it ("Audit-Protokoll", `object_link`).

The change list costs a fixed number of queries whatever its length: the actor is shown from its name
snapshot, the object type from ContentType's cache, links to objects are built without loading them.
"""

import json
from itertools import islice
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from common import history
from common.csvfiles import SPREADSHEET, csv_download

from .models import Action, AuditEntry
from .registry import REDACTED, WITHHELD, rules

M2M_KEYS = {"added": _("hinzugefügt"), "removed": _("entfernt")}


def _show(model, name: str, value, related: dict) -> str:
    """A logged value in words (common/history.py); the markers of redacted and withheld values as they are."""
    if value in (REDACTED, WITHHELD):
        return value
    return history.value_text(model, name, value, related=related)


def _field_label(model, name: str) -> str:
    return history.field_label(model, name)


def _related(entries) -> dict:
    """{model: {fk field: {pk: label}}} for the references in the changes of `entries`: one query per referenced
    model."""
    by_model: dict = {}
    for entry in entries:
        model = entry.content_type.model_class()
        if model is not None and entry.action != Action.M2M:
            by_model.setdefault(model, []).append(entry.changes or {})
    return {model: history.related_labels(model, changes) for model, changes in by_model.items()}


def change_rows(entry: AuditEntry, *, related: dict | None = None) -> list[tuple[str, str, str]]:
    """(field, before, after) per logged field in words: before is empty for "angelegt", after for "gelöscht"; an
    assignment change shows what was added and removed. References are shown by name (`related` from `_related`
    for many entries; else one query per referenced model)."""
    model = entry.content_type.model_class()
    changes = entry.changes or {}
    if related is None:
        related = _related([entry]).get(model, {})
    rows = []
    for name in history.ordered(model, changes):
        value, label = changes[name], _field_label(model, name)
        if entry.action == Action.M2M and isinstance(value, dict):
            for key, items in value.items():
                rows.append((label, str(M2M_KEYS.get(key, key)), ", ".join(map(str, items))))
        elif entry.action == Action.CHANGED and isinstance(value, list) and len(value) == 2:
            rows.append((label, _show(model, name, value[0], related), _show(model, name, value[1], related)))
        elif entry.action == Action.DELETED:
            rows.append((label, _show(model, name, value, related), ""))
        else:
            rows.append((label, "", _show(model, name, value, related)))
    return rows


def change_text(entry: AuditEntry, *, related: dict | None = None) -> str:
    """The changes of an entry as one line in words ("Status: Entwurf → in Kraft; Titel: …")."""
    parts = []
    for label, before, after in change_rows(entry, related=related):
        if entry.action == Action.M2M:
            parts.append(f"{label} {before}: {after}")
        elif entry.action == Action.CHANGED:
            parts.append(f"{label}: {before}{history.ARROW}{after}")
        else:
            parts.append(f"{label}: {after or before}")
    return history.SEPARATOR.join(parts)


# --- one object with what belongs to it ---------------------------------------------------------------------

#: The change list's parameter for "this object and what belongs to it": `?objekt=cooperations.agreement:5`.
OBJECT_PARAMETER = "objekt"
#: How deep the objects that belong to an object are followed (an agreement's measures and their milestones).
OBJECT_DEPTH = 2


def _children(model) -> list[tuple[type, str]]:
    """(model, name of its foreign key to `model`) of what belongs to an object of `model`: the inlines of its
    admin change form, and the audited models whose rows are deleted with it (a user's tokens and memberships)."""
    from django.db import models as db_models

    audited = rules()
    found = {}
    model_admin = admin.site._registry.get(model)
    for inline in getattr(model_admin, "inlines", []):
        for fk in inline.model._meta.concrete_fields:  # the inline's key to its parent, as the inline finds it
            if fk.many_to_one and fk.related_model is model and inline.fk_name in (None, fk.name):
                found[(inline.model, fk.name)] = None
    for relation in model._meta.related_objects:
        if (
            (relation.one_to_many or relation.one_to_one)
            and relation.related_model in audited
            and (relation.on_delete is db_models.CASCADE)
        ):
            found[(relation.related_model, relation.field.name)] = None
    return [(child, name) for child, name in found if child in audited]


def has_audit_trail(model) -> bool:
    """Whether the log can hold entries about objects of `model` or what belongs to them."""
    return model in rules() or bool(_children(model))


def object_scope(model, pk) -> Q:
    """The entries about one object and about what belongs to it (`_children`, followed `OBJECT_DEPTH` deep),
    including objects deleted since: their "angelegt"/"gelöscht" entries name the parent's key. Costs two
    queries per kind of child, however many entries there are."""
    scope = Q(content_type=ContentType.objects.get_for_model(model, for_concrete_model=False), object_id=str(pk))
    frontier = [(model, [pk])]
    for _level in range(OBJECT_DEPTH):
        following = []
        for parent, keys in frontier:
            for child, fk_name in _children(parent):
                content_type = ContentType.objects.get_for_model(child, for_concrete_model=False)
                ids = {
                    str(key)
                    for key in child._default_manager.filter(**{f"{fk_name}__in": keys}).values_list("pk", flat=True)
                }
                ids |= set(
                    AuditEntry.objects.filter(
                        content_type=content_type,
                        action__in=(Action.CREATED, Action.DELETED),
                        **{f"changes__{fk_name}__in": keys},
                    ).values_list("object_id", flat=True)
                )
                if not ids:
                    continue
                scope |= Q(content_type=content_type, object_id__in=sorted(ids))
                following.append((child, [child._meta.pk.to_python(value) for value in sorted(ids)]))
        frontier = following
    return scope


def object_link(obj) -> str:
    """The address of the log filtered to `obj` and what belongs to it."""
    opts = obj._meta
    query = urlencode({OBJECT_PARAMETER: f"{opts.app_label}.{opts.model_name}:{obj.pk}"})
    return f"{reverse('admin:audit_auditentry_changelist')}?{query}"


def _parse_object(value: str):
    """`cooperations.agreement:5` -> (model, pk), or None."""
    label, _colon, key = (value or "").partition(":")
    app_label, _dot, model_name = label.partition(".")
    if not (app_label and model_name and key):
        return None
    try:
        model = ContentType.objects.get_by_natural_key(app_label, model_name).model_class()
        return (model, model._meta.pk.to_python(key)) if model is not None else None
    except (ContentType.DoesNotExist, ValidationError):
        return None


class ObjectFilter(admin.SimpleListFilter):
    """`?objekt=<app>.<model>:<pk>`: one object with its inlines and what is deleted with it (the link
    "Audit-Protokoll" of every change form). Shown only while set."""

    title = _("Objekt mit Zugehörigem")
    parameter_name = OBJECT_PARAMETER

    def lookups(self, request, model_admin):
        value = self.value()
        if not value:
            return []
        target = _parse_object(value)
        if target is None:
            return [(value, _("unbekanntes Objekt"))]
        model, pk = target
        obj = model._default_manager.filter(pk=pk).first()
        text = str(obj) if obj is not None else f"#{pk}"
        return [(value, f"{capfirst(model._meta.verbose_name)}: {text}")]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        target = _parse_object(value)
        if target is None:
            return queryset.none()
        return queryset.filter(object_scope(*target))


class ContentTypeFilter(admin.SimpleListFilter):
    """The audited object types only (no query: ContentType's cache)."""

    title = _("Objektart")
    parameter_name = "objektart"

    def lookups(self, request, model_admin):
        types = [ContentType.objects.get_for_model(model, for_concrete_model=False) for model in rules()]
        return sorted(
            ((str(ct.pk), f"{capfirst(ct.model_class()._meta.verbose_name)} ({ct.app_label})") for ct in types),
            key=lambda item: item[1],
        )

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(content_type_id=int(value))
        return queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("when", "actor_display", "door_display", "action", "object_display", "changed_fields")
    list_filter = (ObjectFilter, "door", "action", ContentTypeFilter, "when")
    search_fields = ("object_label", "actor_label", "=object_id")
    date_hierarchy = "when"
    list_select_related = ("content_type",)
    list_per_page = 100
    show_full_result_count = False
    actions = ["export_csv"]
    fields = (
        "when",
        "actor_display",
        "door_display",
        "action",
        "content_type",
        "object_id",
        "object_display",
        "changes_table",
    )
    readonly_fields = fields

    # --- nobody writes here ---------------------------------------------------------------------------------

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    # --- columns ------------------------------------------------------------------------------------------------

    @admin.display(description=_("Benutzer"), ordering="actor_label")
    def actor_display(self, entry):
        return entry.actor_label or _("(kein Benutzer)")

    @admin.display(description=_("Zugang"), ordering="door")
    def door_display(self, entry):
        door = entry.get_door_display()
        return f"{door} ({entry.door_detail})" if entry.door_detail else door

    @admin.display(description=_("Objekt"), ordering="object_label")
    def object_display(self, entry):
        content_type = entry.content_type  # joined: list_select_related
        kind = capfirst(content_type.model_class()._meta.verbose_name) if content_type.model_class() else ""
        text = f"{kind}: {entry.object_label}" if kind else entry.object_label
        if not entry.object_id or entry.action == Action.DELETED:
            return text
        try:
            url = reverse(f"admin:{content_type.app_label}_{content_type.model}_change", args=[entry.object_id])
        except NoReverseMatch:
            return text
        return format_html('<a href="{}">{}</a>', url, text)

    @admin.display(description=_("Felder"))
    def changed_fields(self, entry):
        model = entry.content_type.model_class()  # joined: list_select_related
        names = [history.field_label(model, name) for name in history.ordered(model, entry.changes or {})]
        shown = ", ".join(names[:6])
        return f"{shown}, …" if len(names) > 6 else shown

    @admin.display(description=_("Änderungen"))
    def changes_table(self, entry):
        rows = change_rows(entry)
        if not rows:
            return "–"
        if entry.action == Action.M2M:
            header = (_("Feld"), _("Vorgang"), _("Einträge"))
        else:
            header = (_("Feld"), _("vorher"), _("nachher"))
        return format_html(
            '<table class="audit-changes"><thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
            '<th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>',
            *header,
            format_html_join("", '<tr><th scope="row">{}</th><td>{}</td><td>{}</td></tr>', rows),
        )

    # --- export ---------------------------------------------------------------------------------------------------

    @admin.action(description=_("Ausgewählte als CSV exportieren"), permissions=["export"])
    def export_csv(self, request, queryset):
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response, writer = csv_download(f"audit-protokoll-{stamp}.csv", dialect=SPREADSHEET)
        writer.writerow(
            [
                "zeitpunkt",
                "benutzer",
                "zugang",
                "zugang_detail",
                "vorgang",
                "objektart",
                "objekt_id",
                "objekt",
                "aenderungen",
                "aenderungen_in_worten",
            ]
        )
        entries = queryset.select_related("content_type").order_by("when", "id").iterator(chunk_size=2000)
        while chunk := list(islice(entries, 2000)):
            related = _related(chunk)  # the references of 2,000 entries in one query per model
            for entry in chunk:
                writer.writerow(
                    [
                        timezone.localtime(entry.when).isoformat(),
                        entry.actor_label,
                        entry.get_door_display(),
                        entry.door_detail,
                        entry.get_action_display(),
                        f"{entry.content_type.app_label}.{entry.content_type.model}",
                        entry.object_id,
                        entry.object_label,
                        json.dumps(entry.changes, ensure_ascii=False, sort_keys=True),
                        change_text(entry, related=related.get(entry.content_type.model_class(), {})),
                    ]
                )
        return response
