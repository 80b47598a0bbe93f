"""The answers of our federal-format endpoints as OpenAPI schemas (drf-spectacular reads them; the views build
the page objects in federal/export.py). Field names and nullability are those of the spec's DvDataDto,
PageDvDataDto, PageableObject, SortObject, ArsDto and PageArsDto; every field is always present."""

from rest_framework import serializers

from ..export import AKTIV_CHOICES, COVERAGE_CHOICES, ONLINE_STATUS_CHOICES


class SortObjectSerializer(serializers.Serializer):
    unsorted = serializers.BooleanField()
    sorted = serializers.BooleanField()
    empty = serializers.BooleanField()


class PageableObjectSerializer(serializers.Serializer):
    paged = serializers.BooleanField()
    unpaged = serializers.BooleanField()
    pageNumber = serializers.IntegerField(min_value=0)  # noqa: N815 - the spec's name
    pageSize = serializers.IntegerField(min_value=1)  # noqa: N815
    offset = serializers.IntegerField(min_value=0)
    sort = SortObjectSerializer()


class PageSerializer(serializers.Serializer):
    totalPages = serializers.IntegerField(min_value=0)  # noqa: N815
    totalElements = serializers.IntegerField(min_value=0)  # noqa: N815
    pageable = PageableObjectSerializer()
    numberOfElements = serializers.IntegerField(min_value=0, help_text="Anzahl der Einträge dieser Seite (≤ size).")  # noqa: N815
    size = serializers.IntegerField(min_value=1)
    number = serializers.IntegerField(min_value=0, help_text="Nummer dieser Seite, ab 0.")
    sort = SortObjectSerializer()
    first = serializers.BooleanField()
    last = serializers.BooleanField()
    empty = serializers.BooleanField()


class DvDataDtoSerializer(serializers.Serializer):
    leika_key = serializers.CharField(help_text="LeiKa-Schlüssel (14 Ziffern).")
    leika_name = serializers.CharField(help_text="Name der LeiKa-Leistung im Katalog.")
    ars = serializers.CharField(help_text="ARS der Verwaltung, die den Umsetzungsstand hält.")
    ars_name = serializers.CharField(allow_null=True)
    ars_federal_state = serializers.CharField(allow_null=True)
    bundesland = serializers.CharField(allow_null=True)
    leika_bezeichnung = serializers.CharField(
        allow_null=True, help_text="Nicht bekannt (null): der Katalog führt nur einen Namen je LeiKa-Leistung."
    )
    ozgid = serializers.IntegerField(allow_null=True)
    ozg_bezeichnung = serializers.CharField(allow_null=True)
    url = serializers.CharField(help_text="Adresse des Onlinedienstes.")
    online_status = serializers.ChoiceField(
        choices=ONLINE_STATUS_CHOICES, help_text="„ok“: online und, wo geprüft, bei der letzten Linkprüfung erreicht."
    )
    aktiv = serializers.ChoiceField(
        choices=AKTIV_CHOICES, allow_null=True, help_text="Was der Bund über die OZG-Leistung sagt; sonst null."
    )
    art_flaechendeckung = serializers.ChoiceField(choices=COVERAGE_CHOICES)
    beispieldaten = serializers.ChoiceField(
        choices=AKTIV_CHOICES, help_text="Unser Zusatzfeld: „ja“ bei Beispieldaten, sonst „nein“."
    )


class PageDvDataDtoSerializer(PageSerializer):
    content = DvDataDtoSerializer(many=True)


class ArsDtoSerializer(serializers.Serializer):
    ars = serializers.CharField()
    arsName = serializers.CharField()  # noqa: N815


class PageArsDtoSerializer(PageSerializer):
    content = ArsDtoSerializer(many=True)
