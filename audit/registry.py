"""Which models are audited, and what of them may appear in the log.

Each list below is a default that a setting of the same name (prefixed `AUDIT_`) replaces, e.g.
`AUDIT_REDACTED_FIELDS`. Field names apply to every audited model:

- redacted: the log says that the field was set or changed, never its value (passwords, token hashes, the
  secret keys and codes of second-factor devices);
- excluded: not logged at all (noise such as `last_login`, `updated_at` or a provenance stamp's `source_at`: the
  entry has its own time);
- personal: personal data of the users themselves (name, e-mail): logged as changed, value withheld.
"""

import copy
import datetime
import decimal
import uuid
from dataclasses import dataclass, field
from functools import cache

from django.apps import apps
from django.conf import settings
from django.db import models

MODELS = [
    "auth.User",
    "auth.Group",
    "accounts.ApiToken",
    "accounts.VerwaltungMembership",
    "cooperations.*",
    "funding.*",
    "ozg_monitoring.RolloutStatus",
    "ozg_monitoring.RolloutPlan",
    "ozg_monitoring.RolloutTarget",
    "ozg_monitoring.Fokusleistung",
    "ozg_monitoring.Themenfeld",
    "ozg_monitoring.Lebenslage",
    "ozg_monitoring.OzgLeistung",
    "ozg_monitoring.LeikaLeistung",
    "ozg_monitoring.Basisdienst",
    "ozg_monitoring.Zustaendigkeit",
    "ozg_monitoring.ZustaendigkeitAusnahme",
    "federal.ReconciliationNote",
]
REDACTED_FIELDS = ["password", "key", "bin_key", "token", "key_hash", "secret", "otp_secret"]
EXCLUDED_FIELDS = ["last_login", "last_used_at", "updated_at", "source_at"]
PERSONAL_FIELDS = {"auth.user": ["first_name", "last_name", "email"]}
#: Per model (lower-case label): fields left out in addition to EXCLUDED_FIELDS. A status's provenance (source kind and
#: time) follows from the entry's own door, actor and time.
MODEL_EXCLUDED_FIELDS = {"ozg_monitoring.rolloutstatus": ["version", "source_kind", "source_at"]}

#: Where an instance keeps its loaded values (set by recording.py).
SNAPSHOT_KEY = "_audit_snapshot"
REDACTED = "[geschwärzt]"
WITHHELD = "[personenbezogen, nicht protokolliert]"
#: Longer text values are cut to this length (the log says what changed; the object holds the full text).
VALUE_LENGTH = 500


def _setting(name: str, default):
    return getattr(settings, f"AUDIT_{name}", default)


@dataclass
class ModelRule:
    model: type
    fields: list = field(default_factory=list)  # concrete fields that are logged (incl. redacted/personal)
    redacted: frozenset = frozenset()
    personal: frozenset = frozenset()
    m2m_fields: list = field(default_factory=list)

    def __post_init__(self):
        self.attnames = [f.attname for f in self.fields]
        self.json_attnames = {f.attname for f in self.fields if isinstance(f, models.JSONField)}
        self.by_name = {f.name: f for f in self.fields} | {f.attname: f for f in self.fields}

    def snapshot(self, instance) -> dict:
        """The loaded field values of an instance (what it looked like when it came from the database)."""
        values = instance.__dict__.copy()  # a shallow copy in C: cheaper than picking the logged fields
        values.pop(SNAPSHOT_KEY, None)
        for attname in self.json_attnames & values.keys():
            values[attname] = copy.deepcopy(values[attname])
        return values

    def shown(self, f, value):
        if f.name in self.redacted:
            return REDACTED if value not in (None, "") else value
        if f.name in self.personal:
            return WITHHELD if value not in (None, "") else value
        return json_value(value)

    def values(self, instance) -> dict:
        """{field: value} of every logged field, for "angelegt" and "gelöscht"."""
        return {f.name: self.shown(f, getattr(instance, f.attname)) for f in self.fields}

    def diff(self, old: dict | None, instance, *, only=None) -> dict:
        """{field: [old, new]} of the logged fields that differ. Without a snapshot every field is compared with
        "unknown" (None)."""
        old = old or {}
        changes = {}
        for f in self.fields:
            if only is not None and f.name not in only and f.attname not in only:
                continue
            before = old.get(f.attname)
            after = getattr(instance, f.attname)
            if f.attname in old and _same(before, after):
                continue
            if f.attname not in old and after in (None, "") and old:
                continue
            changes[f.name] = [self.shown(f, before), self.shown(f, after)]
        return changes

    def clean(self, changes: dict) -> dict:
        """Applies the rules to changes given by a caller (bulk paths): drops what is not logged, masks secrets."""
        cleaned = {}
        for name, value in changes.items():
            f = self.by_name.get(name)
            if f is None:
                if name in _excluded_for(self.model) or name.removesuffix("_id") in _excluded_for(self.model):
                    continue
                cleaned[name] = value
            elif f.name in self.redacted or f.name in self.personal:
                marker = REDACTED if f.name in self.redacted else WITHHELD
                cleaned[name] = [marker, marker] if isinstance(value, list | tuple) else marker
            else:
                cleaned[name] = value
        return cleaned


def _same(a, b) -> bool:
    try:
        return a == b
    except Exception:  # noqa: BLE001 - e.g. comparing naive and aware datetimes
        return False


def json_value(value):
    """A JSON-ready, bounded rendering of a field value."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value if len(value) <= VALUE_LENGTH else value[: VALUE_LENGTH - 1] + "…"
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID | datetime.timedelta):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return "[binär]"
    if hasattr(value, "name") and hasattr(value, "storage"):  # FieldFile
        return value.name or ""
    if isinstance(value, dict | list):
        return value
    return str(value)[:VALUE_LENGTH]


def _excluded_for(model) -> set:
    return set(_setting("EXCLUDED_FIELDS", EXCLUDED_FIELDS)) | set(
        _setting("MODEL_EXCLUDED_FIELDS", MODEL_EXCLUDED_FIELDS).get(model._meta.label_lower, [])
    )


def _is_history_model(model) -> bool:
    return hasattr(model, "instance_type") or model.__name__.startswith("Historical")


def _audited_models() -> list:
    found = []
    for spec in _setting("MODELS", MODELS):
        app_label, _dot, name = spec.partition(".")
        # Every app named is installed: a misspelt model fails loudly (LookupError) instead of going unaudited.
        if name == "*":
            found.extend(m for m in apps.get_app_config(app_label).get_models() if not _is_history_model(m))
        else:
            found.append(apps.get_model(app_label, name))
    return list(dict.fromkeys(found))


def _rule_for(model) -> ModelRule:
    excluded = _excluded_for(model)
    redacted = frozenset(_setting("REDACTED_FIELDS", REDACTED_FIELDS))
    personal = frozenset(_setting("PERSONAL_FIELDS", PERSONAL_FIELDS).get(model._meta.label_lower, []))
    fields = [
        f
        for f in model._meta.concrete_fields
        if f.name not in excluded and not getattr(f, "auto_now", False) and not f.primary_key
    ]
    m2m = [f for f in model._meta.local_many_to_many if f.name not in excluded]
    return ModelRule(model=model, fields=fields, redacted=redacted, personal=personal, m2m_fields=m2m)


@cache
def rules() -> dict:
    """{model: ModelRule} of every audited model (built once, after the apps are ready)."""
    return {model: _rule_for(model) for model in _audited_models()}


def rule_for(model) -> ModelRule | None:
    return rules().get(model)
