"""The section "Finanzierung" on an agreement's page (/kooperationen/<slug>/), through the hook of cooperations."""

from django.utils.translation import gettext as _

from common.sections import RelatedSection
from cooperations.related import register_agreement_section

from .selectors import funding_for_agreement


def agreement_funding_section(agreement, request) -> RelatedSection:
    """The agreement's budget lines, in-kind contributions and totals (three queries); always shown, with a short
    sentence when there is none."""
    return RelatedSection(
        title=_("Finanzierung"),
        template_name="funding/includes/funding_for_agreement.html",
        context={"funding": funding_for_agreement(agreement)},
        order=10,
        anchor="finanzierung-vereinbarung",
    )


def register():
    register_agreement_section(agreement_funding_section)
