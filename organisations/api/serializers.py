"""Serializers of the register API (read-only)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Organisation


class OrganisationRefSerializer(serializers.ModelSerializer):
    """A related body in short: key, name, kind."""

    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "ars", "slug", "name", "display_name", "kind"]
        read_only_fields = fields


class OrganisationSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True, help_text="Name mit Art, wo der Name allein mehrdeutig ist.")
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    # Relations, area and website are empty for many bodies (a Kreis has no Amt, ITV.SH no territory): nullable.
    kreis = OrganisationRefSerializer(read_only=True, allow_null=True)
    amt = OrganisationRefSerializer(read_only=True, allow_null=True)
    verwaltung = OrganisationRefSerializer(
        read_only=True, allow_null=True, help_text="Die Verwaltung, die die Stelle bedient."
    )
    parent = OrganisationRefSerializer(read_only=True, allow_null=True)
    area_km2 = serializers.DecimalField(
        max_digits=9, decimal_places=2, coerce_to_string=False, read_only=True, allow_null=True
    )
    website = serializers.CharField(read_only=True, help_text="Internetadresse der Stelle (https://…) oder leer.")
    url = serializers.SerializerMethodField(help_text="Öffentliche Seite der Stelle im Portal.")
    member_count = serializers.SerializerMethodField(help_text="Zahl der Gemeinden eines Amts; sonst null.")

    class Meta:
        model = Organisation
        fields = [
            "id",
            "ars",
            "ags",
            "slug",
            "name",
            "display_name",
            "short_name",
            "kind",
            "kind_label",
            "official_type",
            "kreis",
            "amt",
            "verwaltung",
            "parent",
            "seat",
            "postal_code",
            "population",
            "area_km2",
            "territory_as_of",
            "website",
            "member_count",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj) -> str:
        url = obj.get_absolute_url()
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_member_count(self, obj) -> int | None:
        if obj.kind != Organisation.Kind.AMT:
            return None
        count = getattr(obj, "member_count", None)
        return count if count is not None else obj.member_gemeinden.count()
