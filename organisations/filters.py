"""One FilterSet for the register, used by the API list and the public search page."""

import django_filters
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from common.filters import StrictFilterSet
from common.messages import lazy_message

from .models import Organisation
from .selectors import parse_query, search_bodies

ars_exact_validator = RegexValidator(r"^01[0-9]{10}\Z", lazy_message("organisations.ars_format"))
ars_prefix_validator = RegexValidator(r"^01[0-9]{0,10}\Z", lazy_message("organisations.ars_prefix_format"))
parent_validator = RegexValidator(r"^[0-9]{1,12}\Z", lazy_message("organisations.parent_format"))


def validate_search(value: str):
    parse_query(value)  # raises ValidationError with a German message


class OrganisationFilter(StrictFilterSet):
    kind = django_filters.MultipleChoiceFilter(
        choices=Organisation.Kind.choices,
        label=_("Art"),
        help_text=_("Art der Stelle, z. B. amt oder amtsangehoerige_gemeinde; mehrfach angebbar."),
    )
    ars = django_filters.CharFilter(
        field_name="ars",
        lookup_expr="exact",
        label=_("Regionalschlüssel (ARS)"),
        validators=[ars_exact_validator],
        help_text=_("Genau ein Regionalschlüssel, 12 Ziffern, z. B. 010585890008."),
    )
    ars_prefix = django_filters.CharFilter(
        method="filter_ars_prefix",
        label=_("Schlüsselpräfix"),
        validators=[ars_prefix_validator],
        help_text=_(
            "Alles unterhalb eines Kreis- oder Amtsschlüssels, einschließlich der Stelle selbst: "
            "01058 (Kreis Rendsburg-Eckernförde), 010545488 (Amt Föhr-Amrum und seine 15 Gemeinden)."
        ),
    )
    parent = django_filters.CharFilter(
        method="filter_parent",
        label=_("Übergeordnete Stelle"),
        validators=[parent_validator],
        help_text=_("Regionalschlüssel (12 Ziffern) oder Nummer (id) der übergeordneten Stelle."),
    )
    search = django_filters.CharFilter(
        method="filter_search",
        label=_("Name, PLZ oder Schlüssel"),
        validators=[validate_search],
        help_text=_(
            "Name (ohne Groß-/Kleinschreibung, mit oder ohne Umlaute), Postleitzahl, AGS, ARS oder Präfix; "
            "sortiert nach Treffergüte, solange kein ordering angegeben ist."
        ),
    )

    class Meta:
        model = Organisation
        fields = ["kind", "ars", "ars_prefix", "parent", "search"]

    def filter_ars_prefix(self, queryset, name, value):
        return queryset.below(value)

    def filter_parent(self, queryset, name, value):
        if len(value) == 12 and value.startswith("01"):
            return queryset.filter(parent__ars=value)
        return queryset.filter(parent_id=int(value))

    def filter_search(self, queryset, name, value):
        return search_bodies(value, queryset=queryset)
