"""Template tags other pages use to show funding without importing the funding app in Python
(the dependency points from funding to cooperations, never back)."""

from django import template

from funding import selectors

register = template.Library()


@register.inclusion_tag("funding/includes/funding_for_agreement.html")
def funding_for_agreement(agreement):
    """`{% load funding_tags %}{% funding_for_agreement agreement %}`: the agreement's budget lines, in-kind
    contributions and totals (three queries)."""
    return {"funding": selectors.funding_for_agreement(agreement)}
