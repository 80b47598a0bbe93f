"""The one FilterSet of the reconciliation, for its API list, its CSV and its admin page. The reconciliation is a
computed list (federal/reconciliation.py), not a queryset: the FilterSet checks the parameters (400 with the German
message of the field) and `reconciliation_filters` turns them into the arguments of `filter_rows`."""

import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.filters import IntegerFilter, StrictFilterSet
from common.messages import message
from common.params import POSITIVE_SMALLINT
from organisations.filters import ArsFilter, ArsPrefixFilter

from .models import ReconciliationNote
from .reconciliation import Classification, Reason


def validate_kreis_key(value: str):
    if not (len(value) == 5 and value.isascii() and value.isdigit() and value.startswith("01")):
        raise ValidationError(message("federal.kreis_key"), code="invalid")


class ReconciliationFilter(StrictFilterSet):
    ars = ArsFilter(help_text=_("Genau eine Verwaltung (12 Ziffern), z. B. 010545488000."))
    ars_prefix = ArsPrefixFilter(help_text=_("Alles unterhalb eines Kreis- oder Amtsschlüssels, z. B. 01054."))
    ozg_id = IntegerFilter(label=_("OZG-ID"))
    classification = django_filters.ChoiceFilter(choices=Classification.choices, label=_("Einordnung"))
    reason = django_filters.ChoiceFilter(choices=Reason.choices, label=_("Grund"))
    kreis = django_filters.CharFilter(label=_("Kreis (5 Ziffern)"), validators=[validate_kreis_key])
    themenfeld = IntegerFilter(bounds=POSITIVE_SMALLINT, label=_("Themenfeld (Nummer des Katalogs)"))
    explained = django_filters.BooleanFilter(label=_("erklärt"))

    class Meta:
        model = ReconciliationNote
        fields: list = []

    @classmethod
    def checked(cls, data):
        """The FilterSet bound to `data` (validate with `is_valid()`)."""
        return cls(data, queryset=ReconciliationNote.objects.none())


def reconciliation_filters(filters: ReconciliationFilter) -> dict:
    """The valid FilterSet's values as keyword arguments of `reconciliation.filter_rows`."""
    data = filters.form.cleaned_data
    found = {}
    for name in ("ars", "ars_prefix", "classification", "reason", "kreis"):
        if data.get(name):
            found[name] = data[name]
    for name in ("ozg_id", "themenfeld"):
        if data.get(name) is not None:
            found[name] = data[name]
    if data.get("explained") is not None:
        found["explained"] = data["explained"]
    return found
