"""FilterSets shared by the API and the HTML lists. Unknown values (a stage that does not exist, a malformed
ARS) make the form invalid: 400 in the API, a form error on a page."""

import django_filters
from django.utils.translation import gettext_lazy as _

from common.filters import IntegerFilter, IsoDateTimeFilter, NamedIntegerFilter, StrictFilterSet
from common.params import POSITIVE_INTEGER, POSITIVE_SMALLINT
from common.provenance import Channel
from organisations.filters import ArsFilter, ArsPrefixFilter

from .models import (
    ExecutingLevel,
    Lebenslage,
    LeikaLeistung,
    OzgLeistung,
    RolloutStatus,
    Stage,
    StatusEvent,
    Themenfeld,
)


def _catalogue_filter(field_name: str, model, *, label, empty_label) -> NamedIntegerFilter:
    """A Themenfeld or Lebenslage by its catalogue id (`?themenfeld=6`), offered on the pages as a select of names."""
    return NamedIntegerFilter(
        field_name=field_name,
        bounds=POSITIVE_SMALLINT,
        label=label,
        names=lambda: model.objects.values_list("catalogue_id", "name"),
        empty_label=empty_label,
    )


def themenfeld_filter(field_name: str) -> NamedIntegerFilter:
    return _catalogue_filter(field_name, Themenfeld, label=_("Themenfeld"), empty_label=_("Alle Themenfelder"))


def lebenslage_filter(field_name: str) -> NamedIntegerFilter:
    return _catalogue_filter(
        field_name,
        Lebenslage,
        label=_("Lebens- oder Geschäftslage"),
        empty_label=_("Alle Lebens- und Geschäftslagen"),
    )


def level_filter(field_name: str = "level") -> django_filters.ChoiceFilter:
    return django_filters.ChoiceFilter(
        field_name=field_name,
        choices=ExecutingLevel.choices,
        label=_("Vollzugsebene"),
        empty_label=_("Alle Vollzugsebenen"),
    )


class ArsFilterMixin(StrictFilterSet):
    ars = ArsFilter(field_name="verwaltung__ars", label=_("Regionalschlüssel der Verwaltung"))
    ars_prefix = ArsPrefixFilter(
        field_name="verwaltung__ars", label=_("ARS-Präfix (z. B. Kreis 01054 oder Amt 010545488)")
    )
    ozg_id = IntegerFilter(field_name="leistung__ozg_id", bounds=POSITIVE_INTEGER, label=_("OZG-ID"))


class StatusFilter(ArsFilterMixin):
    themenfeld = themenfeld_filter("leistung__themenfeld__catalogue_id")
    lebenslage = lebenslage_filter("leistung__lebenslage__catalogue_id")
    level = level_filter("leistung__level")
    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices, label=_("Umsetzungsstand"))
    min_level = IntegerFilter(
        field_name="maturity_level", lookup_expr="gte", bounds=(0, 7), label=_("Reifegrad mindestens")
    )
    changed_since = IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte", label=_("geändert seit (ISO 8601)"))
    platform = django_filters.ChoiceFilter(
        choices=RolloutStatus.Platform.choices, label=_("Plattform"), empty_label=_("Alle Plattformen")
    )

    class Meta:
        model = RolloutStatus
        fields = [
            "ars",
            "ars_prefix",
            "ozg_id",
            "themenfeld",
            "lebenslage",
            "level",
            "stage",
            "min_level",
            "changed_since",
            "platform",
        ]


class EventFilter(ArsFilterMixin):
    since = IsoDateTimeFilter(field_name="changed_at", lookup_expr="gte", label=_("seit"))
    until = IsoDateTimeFilter(field_name="changed_at", lookup_expr="lt", label=_("bis"))
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("Weg"), empty_label=_("Alle Wege"))

    class Meta:
        model = StatusEvent
        fields = ["ars", "ars_prefix", "ozg_id", "since", "until", "channel"]


#: A text search reads this many characters of its input (longer input is cut, as the page cache bounds it).
MAX_SEARCH = 100


class LookupFilter(StrictFilterSet):
    """The citizen lookup ("Was kann ich online erledigen?"), the same FilterSet for the page and the API: a
    Themenfeld or Lebenslage by catalogue id and a text in the name of the OZG-Leistung or of its LeiKa-Leistungen
    ("Wohngeld", "Gewerbe"). A malformed value is a form error on the page (400) and a 400 in the API."""

    themenfeld = themenfeld_filter("themenfeld__catalogue_id")
    lebenslage = lebenslage_filter("lebenslage__catalogue_id")
    q = django_filters.CharFilter(method="search", label=_("Suche"))

    class Meta:
        model = OzgLeistung
        fields = ["themenfeld", "lebenslage", "q"]

    def search(self, queryset, name, value):
        return queryset.matching(value[:MAX_SEARCH])


class LeistungFilter(LookupFilter):
    """The Leistung lists (page and API): the lookup's filters and the executing level."""

    level = level_filter()

    class Meta(LookupFilter.Meta):
        fields = ["themenfeld", "lebenslage", "level", "q"]


class LeikaFilter(StrictFilterSet):
    ozg_id = IntegerFilter(field_name="ozg_leistung__ozg_id", bounds=POSITIVE_INTEGER, label=_("OZG-ID"))
    in_leika = django_filters.BooleanFilter(label=_("im LeiKa"))
    without_ozg = django_filters.BooleanFilter(
        field_name="ozg_leistung", lookup_expr="isnull", label=_("ohne OZG-Zuordnung")
    )
    leika_type = django_filters.CharFilter(label=_("LeiKa-Typ"))
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Suche"))

    class Meta:
        model = LeikaLeistung
        fields = ["ozg_id", "in_leika", "without_ozg", "leika_type", "q"]
