"""FilterSets shared by the public list pages and the API. Unknown values are errors (400 in the API, form
errors on the page), never silently ignored."""

import django_filters
from django.core.validators import RegexValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.filters import DateFilter, StrictFilterSet
from common.messages import lazy_message
from organisations.models import Organisation

from .models import Agreement, Measure, Topic

ars_exact = RegexValidator(r"^01[0-9]{10}\Z", lazy_message("cooperations.ars_format"))
ars_prefix = RegexValidator(r"^01[0-9]{0,10}\Z", lazy_message("cooperations.ars_prefix_format"))


def body_prefix(body: Organisation) -> str | None:
    """The ARS prefix of everything below a Kreis (5 digits) or an Amt (9 digits); None for other bodies."""
    if body.ars and body.kind in (Organisation.Kind.KREIS, Organisation.Kind.KREISFREIE_STADT):
        return body.ars[:5]
    if body.ars and body.kind == Organisation.Kind.AMT:
        return body.ars[:9]
    return None


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
    party_ars = django_filters.CharFilter(
        label=_("Partei (ARS)"), field_name="parties__organisation__ars", validators=[ars_exact], distinct=True
    )
    party_ars_prefix = django_filters.CharFilter(
        label=_("Partei (ARS-Präfix)"), method="filter_prefix", validators=[ars_prefix]
    )
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
        value = value.strip()
        body = Organisation.objects.filter(Q(ars=value) | Q(slug=value)).first()
        if body is None:
            # Unknown key: an explicit empty result keeps "no such body" distinct from "no agreements".
            self.unknown_party = True
            return queryset.none()
        prefix = body_prefix(body)
        return queryset.for_ars_prefix(prefix) if prefix else queryset.for_body(body)


class MeasureFilterSet(StrictFilterSet):
    agreement = django_filters.CharFilter(label=_("Vereinbarung (Kennung)"), field_name="agreement__slug")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Measure.Status.choices)
    lead_ars = django_filters.CharFilter(label=_("federführend (ARS)"), field_name="lead__ars", validators=[ars_exact])
    follow_up = django_filters.BooleanFilter(label=_("Folgemaßnahme"), field_name="is_follow_up")

    class Meta:
        model = Measure
        fields = ["agreement", "status", "lead_ars", "follow_up"]
