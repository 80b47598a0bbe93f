"""`{% load cooperations_tags %}{% agreements_for_body organisation %}`: the agreements of a body of the register,
for the register's body page (renders templates/cooperations/includes/agreements_for_body.html)."""

from django import template
from django.urls import NoReverseMatch

from cooperations.selectors import agreements_for_body as select_agreements_for_body

register = template.Library()


@register.inclusion_tag("cooperations/includes/agreements_for_body.html")
def agreements_for_body(organisation):
    return {"agreements": list(select_agreements_for_body(organisation))}


@register.filter
def body_url(organisation) -> str:
    """The register page of a body, or "" while the register has no page for it (links are then omitted)."""
    try:
        return organisation.get_absolute_url()
    except NoReverseMatch:
        return ""
