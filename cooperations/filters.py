"""FilterSets shared by the public list pages and the API. Unknown values are errors (400 in the API, form
errors on the page), never silently ignored."""

from dataclasses import dataclass, field

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from common.filters import DateFilter, StrictFilterSet
from organisations.filters import ArsFilter, ArsPrefixFilter
from organisations.selectors import SLUG_PATTERN, body_by_key, prefix_below, search_gemeinden

from .models import Agreement, Measure, Topic

#: At most this many places of one name are taken (the register's best matches); more would be no answer.
MAX_PLACES = 10


@dataclass(frozen=True)
class Party:
    """What the "Partei oder Ort" field found: a body by its key (ARS or Kennung; None when nothing has that key)
    or, for a place's name (or PLZ), the Gemeinden it names."""

    body: object = None
    places: list = field(default_factory=list)

    @property
    def by_name(self) -> bool:
        return bool(self.places)


class PartyField(forms.CharField):
    """A key as before (an ARS or the Kennung of a body), else the register's place search (`search_gemeinden`:
    a Gemeinde's name, misspelt too, an Amt's name, a PLZ). Input the search refuses ("123") is a form error with
    the register's German message; a well-formed key that names nothing finds nothing, as before."""

    def clean(self, value):
        value = super().clean(value)
        text = (value or "").strip()
        if not text:
            return None
        is_ars = text.isdigit() and len(text) == 12
        if is_ars or SLUG_PATTERN.match(text):
            body = body_by_key(text)
            if body is not None and body.kind in body.GEMEINDE_KINDS and body.kind not in body.KREISEBENE_KINDS:
                return Party(places=[body])  # a Gemeinde by its key answers as by its name
            if body is not None or is_ars:
                return Party(body=body)
        places = list(search_gemeinden(text)[: MAX_PLACES * 5])
        if not places:
            return Party()
        best = min(place.search_rank for place in places)
        return Party(places=[place for place in places if place.search_rank == best][:MAX_PLACES])


class PartyFilter(django_filters.CharFilter):
    field_class = PartyField


class AgreementFilterSet(StrictFilterSet):
    #: Set while filtering: the places a name found, and whether a key named nothing.
    matched_places: list = []
    unknown_party = False

    kind = django_filters.ChoiceFilter(label=_("Art"), choices=Agreement.Kind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Agreement.Status.choices)
    topic = django_filters.ModelChoiceFilter(
        label=_("Themenfeld"), queryset=Topic.objects.all(), to_field_name="slug", field_name="topics"
    )
    party = PartyFilter(
        label=_("Partei oder Ort"),
        method="filter_party",
        help_text=_(
            "Name einer Gemeinde (oder ihre Postleitzahl): Vereinbarungen, an denen die Gemeinde, ihr Amt oder ihr "
            "Kreis beteiligt ist. Oder der Regionalschlüssel (ARS) oder die Kennung einer Stelle: bei einem Kreis "
            "oder Amt auch alles darunter."
        ),
    )
    party_ars = ArsFilter(label=_("Partei (ARS)"), field_name="parties__organisation__ars", distinct=True)
    party_ars_prefix = ArsPrefixFilter(label=_("Partei (ARS-Präfix)"), method="filter_prefix")
    in_force_on = DateFilter(label=_("in Kraft am"), method="filter_in_force")
    sort = django_filters.OrderingFilter(
        label=_("Sortierung"),
        fields=(("title", "title"), ("term_start", "term_start"), ("term_end", "term_end"), ("status", "status")),
        field_labels={
            "title": _("Titel"),
            "term_start": _("Beginn"),
            "term_end": _("Ende"),
            "status": _("Status"),
        },
    )

    class Meta:
        model = Agreement
        fields = ["kind", "status", "topic", "party", "party_ars", "party_ars_prefix", "in_force_on"]

    def filter_prefix(self, queryset, name, value):
        return queryset.for_ars_prefix(value)

    def filter_in_force(self, queryset, name, value):
        return queryset.in_force(on=value)

    def filter_party(self, queryset, name, value):
        if value.by_name:
            # A place's name: the agreements of the Gemeinde, of her Amt and of her Kreis (not the Land's, which
            # would be every agreement). The page names the places found (`matched_places`).
            self.matched_places = value.places
            bodies = {pk for place in value.places for pk in (place.pk, place.amt_id, place.kreis_id) if pk}
            return queryset.filter(parties__organisation__in=bodies).distinct()
        body = value.body
        if body is None:
            # Unknown key: an explicit empty result keeps "no such body" distinct from "no agreements".
            self.unknown_party = True
            return queryset.none()
        prefix = prefix_below(body)
        return queryset.for_ars_prefix(prefix) if prefix else queryset.for_body(body)


class MeasureFilterSet(StrictFilterSet):
    agreement = django_filters.CharFilter(label=_("Vereinbarung (Kennung)"), field_name="agreement__slug")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Measure.Status.choices)
    lead_ars = ArsFilter(label=_("federführend (ARS)"), field_name="lead__ars")
    follow_up = django_filters.BooleanFilter(label=_("Folgemaßnahme"), field_name="is_follow_up")

    class Meta:
        model = Measure
        fields = ["agreement", "status", "lead_ars", "follow_up"]
