"""The register's filters: `ArsFilter` and `ArsPrefixFilter` for the FilterSets of every app (a key of the register
is checked the same way wherever it is filtered on: `organisations.keys`), and the one FilterSet of the register,
used by the API list and the public search page."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.filters import StrictFilterSet
from common.messages import message
from common.params import ID, parse_int

from . import keys
from .models import Organisation
from .selectors import parse_query, search_bodies


class ArsFilter(django_filters.CharFilter):
    """Exactly one ARS (12 digits, starting with 01) on `field_name` (default "ars", e.g. "verwaltung__ars");
    anything else is a form error (400 in the API) with the register's message."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("field_name", "ars")
        kwargs.setdefault("label", _("Regionalschlüssel (ARS)"))
        kwargs["validators"] = [keys.validate_ars, *kwargs.get("validators", ())]
        super().__init__(*args, **kwargs)


class ArsPrefixFilter(django_filters.CharFilter):
    """Everything whose ARS on `field_name` starts with a key prefix (2–12 digits, starting with 01): a Kreis key
    (01054) finds the Kreis, its Ämter and Gemeinden, an Amt key (010545488) the Amt and its Gemeinden."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("field_name", "ars")
        kwargs.setdefault("lookup_expr", "startswith")
        kwargs.setdefault("label", _("Schlüsselpräfix (z. B. Kreis 01054 oder Amt 010545488)"))
        kwargs["validators"] = [keys.validate_prefix, *kwargs.get("validators", ())]
        super().__init__(*args, **kwargs)


class ParentField(forms.CharField):
    """The parent of a body: its ARS or its id."""

    def clean(self, value):
        value = super().clean(value)
        if not value or keys.is_ars(value):
            return value or None
        try:
            return parse_int(value, bounds=ID)
        except ValidationError:
            raise ValidationError(message("organisations.parent_format"), code="invalid") from None


class ParentFilter(django_filters.Filter):
    field_class = ParentField

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(parent__ars=value) if isinstance(value, str) else qs.filter(parent_id=value)


def validate_search(value: str):
    parse_query(value)  # raises ValidationError with a German message


class OrganisationFilter(StrictFilterSet):
    kind = django_filters.MultipleChoiceFilter(
        choices=Organisation.Kind.choices,
        label=_("Art"),
        help_text=_("Art der Stelle, z. B. amt oder amtsangehoerige_gemeinde; mehrfach angebbar."),
    )
    ars = ArsFilter(help_text=_("Genau ein Regionalschlüssel, 12 Ziffern, z. B. 010585890008."))
    ars_prefix = ArsPrefixFilter(
        label=_("Schlüsselpräfix"),
        help_text=_(
            "Alles unterhalb eines Kreis- oder Amtsschlüssels, einschließlich der Stelle selbst: "
            "01058 (Kreis Rendsburg-Eckernförde), 010545488 (Amt Föhr-Amrum und seine 15 Gemeinden)."
        ),
    )
    parent = ParentFilter(
        label=_("Übergeordnete Stelle"),
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

    def filter_search(self, queryset, name, value):
        return search_bodies(value, queryset=queryset)
