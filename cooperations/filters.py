"""FilterSets shared by the public list pages and the API. Unknown values are errors (400 in the API, form
errors on the page), never silently ignored."""

import django_filters
from django.utils.translation import gettext_lazy as _

from common.filters import DateFilter, StrictFilterSet
from organisations.filters import ArsFilter, ArsPrefixFilter
from organisations.selectors import body_by_key, prefix_below

from .models import Agreement, Measure, Topic


class AgreementFilterSet(StrictFilterSet):
    kind = django_filters.ChoiceFilter(label=_("Art"), choices=Agreement.Kind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Agreement.Status.choices)
    topic = django_filters.ModelChoiceFilter(
        label=_("Themenfeld"), queryset=Topic.objects.all(), to_field_name="slug", field_name="topics"
    )
    party = django_filters.CharFilter(
        label=_("Partei oder Kommune"),
        method="filter_party",
        help_text=_("ARS oder Kennung einer Stelle; bei einem Kreis oder Amt auch alles darunter."),
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
        body = body_by_key(value)
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
