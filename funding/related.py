"""The section "Finanzierung" on an agreement's page (/kooperationen/<slug>/), through the hook of cooperations, and on
a body's register page (/kommunen/<key>/), through the register's hook: the budget lines it receives or funds; the
section "Mittel" on the agreement's change page in the admin (planned, requested, approved, paid, remaining:
`selectors.agreement_sums`), through the admin hook of cooperations."""

from django.db.models import F, Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from common.sections import RelatedSection
from cooperations.related import register_agreement_admin_section, register_agreement_section
from organisations.related import register_related_section

from .selectors import agreement_sums, budget_lines, funding_for_agreement


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


def body_funding_section(body, request) -> RelatedSection | None:
    """The budget lines the body receives or whose source it is (one query); no section when there are none."""
    lines = list(
        budget_lines()
        .filter(Q(recipient=body) | Q(source__body=body))
        .order_by(F("fiscal_year").asc(nulls_first=True), "pk")
    )
    if not lines:
        return None
    return RelatedSection(
        title=_("Finanzierung"),
        template_name="funding/includes/funding_for_body.html",
        context={"lines": lines},
        order=20,
        anchor="finanzierung",
    )


def agreement_money_admin_section(agreement, request) -> RelatedSection | None:
    """The agreement's money in five figures (one query) for whoever may see budget lines; it says where payments
    are not recorded and links to the agreement's budget lines."""
    if not request.user.has_perm("funding.view_budgetline"):
        return None
    lines_url = reverse("admin:funding_budgetline_changelist") + "?" + urlencode({"agreement__id__exact": agreement.pk})
    return RelatedSection(
        title=_("Mittel"),
        template_name="admin/funding/agreement_money.html",
        context={"sums": agreement_sums(agreement), "lines_url": lines_url},
        order=10,
        anchor="mittel",
    )


def register():
    register_agreement_section(agreement_funding_section)
    register_agreement_admin_section(agreement_money_admin_section)
    register_related_section(body_funding_section)
