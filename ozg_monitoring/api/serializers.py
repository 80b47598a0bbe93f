from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.provenance import SourceKind

from ..history import describe_events
from ..models import (
    Lebenslage,
    LeikaLeistung,
    OzgLeistung,
    RolloutStatus,
    Stage,
    StatusEvent,
    Themenfeld,
)
from ..services.values import TRACKED_FIELDS


class ThemenfeldSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="catalogue_id", read_only=True)

    class Meta:
        model = Themenfeld
        fields = ["id", "name"]


class LebenslageSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="catalogue_id", read_only=True)
    themenfeld = serializers.IntegerField(source="themenfeld.catalogue_id", read_only=True)

    class Meta:
        model = Lebenslage
        fields = ["id", "name", "themenfeld"]


class LeistungSerializer(serializers.ModelSerializer):
    themenfeld = ThemenfeldSerializer(read_only=True)
    lebenslage = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()

    class Meta:
        model = OzgLeistung
        fields = ["ozg_id", "name", "themenfeld", "lebenslage", "level", "level_source", "leika_types", "web_url"]

    def get_lebenslage(self, obj) -> dict:
        return {"id": obj.lebenslage.catalogue_id, "name": obj.lebenslage.name}

    def get_web_url(self, obj) -> str:
        return obj.get_absolute_url()


class LeikaSerializer(serializers.ModelSerializer):
    ozg_id = serializers.IntegerField(source="ozg_leistung.ozg_id", read_only=True, allow_null=True, default=None)

    class Meta:
        model = LeikaLeistung
        fields = ["key", "in_leika", "name", "leika_type", "ozg_id", "sdg1", "sdg2", "legal_basis", "law_abbreviations"]


class StatusSerializer(serializers.ModelSerializer):
    ozg_id = serializers.IntegerField(source="leistung.ozg_id", read_only=True)
    leistung = serializers.CharField(source="leistung.name", read_only=True)
    themenfeld = serializers.IntegerField(source="leistung.themenfeld.catalogue_id", read_only=True)
    level = serializers.CharField(source="leistung.level", read_only=True)
    ars = serializers.CharField(source="verwaltung.ars", read_only=True)
    verwaltung = serializers.CharField(source="verwaltung.name", read_only=True)
    provider = serializers.CharField(source="provider.ars", read_only=True, allow_null=True, default=None)

    class Meta:
        model = RolloutStatus
        fields = [
            "id",
            "ozg_id",
            "leistung",
            "themenfeld",
            "level",
            "ars",
            "verwaltung",
            *TRACKED_FIELDS,
            "version",
            "updated_at",
            "is_demo",
            "source_kind",
            "source_at",
        ]


class StatusChangeSerializer(serializers.Serializer):
    """A partial change; every field optional. `version` (or the If-Match header) guards against lost updates."""

    version = serializers.IntegerField(required=False, min_value=0)
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    maturity_model = serializers.ChoiceField(choices=RolloutStatus.MaturityModel.choices, required=False)
    maturity_level = serializers.IntegerField(required=False, min_value=0, max_value=7)
    url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    provider = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, help_text=_("ARS der anbietenden Stelle")
    )
    provider_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    platform = serializers.ChoiceField(choices=RolloutStatus.Platform.choices, required=False, allow_blank=True)
    planned_go_live = serializers.DateField(required=False, allow_null=True)
    actual_go_live = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True)

    #: The fields above describe the body in the schema; the validation is the services' `status_input`, the
    #: same for this PATCH, every bulk item and the imports (one path: a value refused here is refused there).
    item = False

    def to_internal_value(self, data):
        from ..services import status_input

        values, errors = status_input(data.dict() if hasattr(data, "dict") else data, item=self.item)
        if errors:
            raise serializers.ValidationError(errors)
        return {
            **values["changes"],
            **({"version": values["version"]} if values["version"] is not None else {}),
            **{name: values[name] for name in ("ozg_id", "ars") if name in values},
        }


class StaleSerializer(serializers.Serializer):
    """409/412: the status changed since the client read it."""

    version = serializers.ListField(child=serializers.CharField(), help_text=_("Meldung"))
    current_version = serializers.IntegerField(help_text=_("aktuelle Version des Umsetzungsstands"))


class BulkItemSerializer(StatusChangeSerializer):
    ozg_id = serializers.IntegerField()
    ars = serializers.CharField(max_length=12)

    item = True


class BulkRequestSerializer(serializers.Serializer):
    items = BulkItemSerializer(many=True)


class BulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class ChangeSerializer(serializers.Serializer):
    """One changed field in words (common/history.py)."""

    feld = serializers.CharField(help_text=_("Name des Feldes wie in old_values/new_values"))
    bezeichnung = serializers.CharField(help_text=_("Bezeichnung des Feldes, z. B. „Umsetzungsstand“"))
    vorher = serializers.CharField(allow_null=True, help_text=_("alter Wert in Worten; null beim Anlegen"))
    nachher = serializers.CharField(help_text=_("neuer Wert in Worten, z. B. „online verfügbar“"))
    text = serializers.CharField(
        help_text=_("die Änderung als Satz, z. B. „Umsetzungsstand: geplant → online verfügbar“")
    )


class EventListSerializer(serializers.ListSerializer):
    """Resolves the references of all entries of a page at once (one query for the providers)."""

    def to_representation(self, data):
        items = data.all() if hasattr(data, "all") else data
        return super().to_representation(describe_events(items))


class EventSerializer(serializers.ModelSerializer):
    ozg_id = serializers.IntegerField(source="leistung.ozg_id", read_only=True)
    ars = serializers.CharField(source="verwaltung.ars", read_only=True)
    verwaltung = serializers.CharField(source="verwaltung.name", read_only=True)
    changed_by = serializers.SerializerMethodField(
        help_text=_(
            "Wer geändert hat, als Rolle oder Stelle, nie als Person: „ITV.SH“, „Kommune: <Verwaltung>“, "
            "„Datei-Import“, „Beispieldaten“ (oder „nicht bekannt“ bei einem gelöschten Konto)."
        )
    )

    class Meta:
        model = StatusEvent
        fields = [
            "id",
            "status",
            "ozg_id",
            "ars",
            "verwaltung",
            "action",
            "old_values",
            "new_values",
            "aenderung",
            "aenderungen",
            "changed_by",
            "changed_at",
            "channel",
        ]
        list_serializer_class = EventListSerializer

    aenderung = serializers.SerializerMethodField(
        help_text=_(
            "Die Änderung in Worten, z. B. „Umsetzungsstand: geplant → online verfügbar; Plattform: OZG-Cloud“."
        )
    )
    aenderungen = serializers.SerializerMethodField(
        help_text=_("Jedes geänderte Feld mit Bezeichnung und Werten in Worten.")
    )

    def get_changed_by(self, obj) -> str:
        return obj.public_actor

    def _described(self, obj):
        if not hasattr(obj, "changes"):
            describe_events([obj])
        return obj

    def get_aenderung(self, obj) -> str:
        return self._described(obj).changes_text

    @extend_schema_field(ChangeSerializer(many=True))
    def get_aenderungen(self, obj) -> list:
        return [change.as_dict() for change in self._described(obj).changes]


class CoverageSerializer(serializers.Serializer):
    ozg_id = serializers.IntegerField()
    name = serializers.CharField()
    level = serializers.CharField()
    coverage = serializers.CharField()
    label = serializers.CharField()
    kreise = serializers.ListField(child=serializers.DictField())
    online = serializers.IntegerField()
    units = serializers.IntegerField()


class OfficeSerializer(serializers.Serializer):
    ars = serializers.CharField()
    name = serializers.CharField()
    website = serializers.CharField(allow_blank=True)
    web_url = serializers.CharField(help_text=_("Seite der Stelle im Register des Portals"))


class ResponsibilitySerializer(serializers.Serializer):
    """Who handles it for the Gemeinde, and why (ozg_monitoring/responsibility.py)."""

    bekannt = serializers.BooleanField(help_text=_("false: Zuständigkeit noch nicht erfasst"))
    text = serializers.CharField(help_text=_("wie die Seite es sagt, z. B. „zuständig: Amt Föhr-Amrum (Meldebehörde)“"))
    ebene = serializers.CharField()
    verwaltung_ars = serializers.CharField(allow_null=True)
    verwaltung = serializers.CharField(allow_null=True)
    stelle = serializers.CharField(allow_blank=True)
    grundlage = serializers.CharField(allow_blank=True)
    quelle_url = serializers.CharField(allow_blank=True)
    quelle_titel = serializers.CharField(allow_blank=True)
    quelle_stand = serializers.CharField(allow_blank=True, help_text=_("JJJJ, JJJJ-MM oder JJJJ-MM-TT"))
    geprueft_am = serializers.DateField(allow_null=True)
    beleg = serializers.CharField(allow_blank=True)
    ausnahme = serializers.BooleanField()
    leika_schluessel = serializers.CharField(allow_null=True)
    leika_leistung = serializers.CharField(allow_null=True)
    fragen_bei = OfficeSerializer(many=True, help_text=_("bei unbekannter Zuständigkeit: Amt/Gemeinde und Kreis"))


class LookupPartSerializer(ResponsibilitySerializer):
    stage = serializers.CharField(allow_null=True)
    online = serializers.BooleanField()
    url = serializers.CharField(allow_blank=True)


class LookupSerializer(serializers.Serializer):
    ozg_id = serializers.IntegerField()
    name = serializers.CharField()
    themenfeld = serializers.CharField()
    lebenslage = serializers.CharField()
    level = serializers.CharField()
    zustaendig_ars = serializers.CharField(allow_null=True)
    zustaendig = serializers.CharField(allow_null=True)
    stage = serializers.CharField(allow_null=True)
    maturity_level = serializers.IntegerField(allow_null=True)
    online = serializers.BooleanField()
    url = serializers.CharField(allow_blank=True)
    is_demo = serializers.BooleanField(help_text=_("Der Stand stammt aus Beispieldaten (Demo)."))
    source_kind = serializers.ChoiceField(
        choices=SourceKind.choices, allow_blank=True, help_text=_("Woher der Stand kommt; leer: nicht bekannt.")
    )
    zustaendigkeit = ResponsibilitySerializer(
        allow_null=True, help_text=_("null: die LeiKa-Leistungen sind verschieden")
    )
    leika_zustaendigkeiten = LookupPartSerializer(many=True, help_text=_("LeiKa-Leistungen, die anderswo liegen"))
