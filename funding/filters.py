"""FilterSets shared by the API lists and the transparency page. Unknown values answer 400 (API) or a form
error (page), never an empty result that looks like "no money".

`BudgetLineFilter` is the one filter of the budget lines: the API list (/api/v1/funding/lines/), the summary
(/api/v1/funding/summary/), the transparency page /finanzierung/ and its CSV all read it."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from common.filters import DateFilter, IntegerFilter, StrictFilterSet
from common.messages import message
from common.params import ID
from cooperations.selectors import agreement_by_slug

from .models import BudgetLine, Drawdown, FundingSource, Purpose
from .selectors import NO_YEAR


class YearField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if value in ("", None):
            return None
        if value == NO_YEAR:
            return NO_YEAR
        if not (len(value) == 4 and value.isascii() and value.isdigit()):
            raise forms.ValidationError(message("funding.year"), code="invalid")
        return int(value)


class YearFilter(django_filters.Filter):
    field_class = YearField

    def filter(self, qs, value):
        if value is None:
            return qs
        if value == NO_YEAR:
            return qs.filter(**{f"{self.field_name}__isnull": True})
        return qs.filter(**{self.field_name: value})


class SlugChoiceFilter(django_filters.ModelChoiceFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "slug")
        super().__init__(*args, **kwargs)


class AgreementField(forms.SlugField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        if agreement_by_slug(value) is None:
            raise forms.ValidationError(message("funding.unknown_agreement", slug=value), code="invalid_choice")
        return value


class AgreementFilter(django_filters.Filter):
    field_class = AgreementField

    def filter(self, qs, value):
        return qs.filter(**{f"{self.field_name}__slug": value}) if value else qs


class PurposeFilter(SlugChoiceFilter):
    """A purpose includes its topics (Digitale Daseinsvorsorge → Schulträgerberatung, …)."""

    def filter(self, qs, value):
        if not value:
            return qs
        prefix = self.field_name
        return qs.filter(**{f"{prefix}__in": [value.pk, *value.topics.values_list("pk", flat=True)]})


class BudgetLineFilter(StrictFilterSet):
    year = YearFilter(field_name="fiscal_year", label=_("Haushaltsjahr"))
    source = SlugChoiceFilter(queryset=FundingSource.objects.all(), label=_("Mittelgeber"))
    purpose = PurposeFilter(field_name="purpose", queryset=Purpose.objects.all(), label=_("Zweck"))
    agreement = AgreementFilter(field_name="agreement", label=_("Vereinbarung"))
    status = django_filters.ChoiceFilter(choices=BudgetLine.Status.choices, label=_("Status"))
    approximate = django_filters.BooleanFilter(field_name="amount_is_approximate", label=_("Betrag ungefähr"))

    class Meta:
        model = BudgetLine
        fields = ["year", "source", "purpose", "agreement", "status", "approximate"]


class DrawdownFilter(StrictFilterSet):
    line = IntegerFilter(field_name="line_id", bounds=ID, label=_("Haushaltsposition"))
    year = YearFilter(field_name="line__fiscal_year", label=_("Haushaltsjahr"))
    source = SlugChoiceFilter(field_name="line__source", queryset=FundingSource.objects.all(), label=_("Mittelgeber"))
    purpose = PurposeFilter(field_name="line__purpose", queryset=Purpose.objects.all(), label=_("Zweck"))
    agreement = AgreementFilter(field_name="line__agreement", label=_("Vereinbarung"))
    status = django_filters.ChoiceFilter(choices=Drawdown.Status.choices, label=_("Status"))
    requested_after = DateFilter(field_name="requested_on", lookup_expr="gte")
    requested_before = DateFilter(field_name="requested_on", lookup_expr="lte")

    class Meta:
        model = Drawdown
        fields = ["line", "year", "source", "purpose", "agreement", "status"]
