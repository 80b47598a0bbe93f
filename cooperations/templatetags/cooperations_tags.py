"""Template helpers of the agreement pages."""

from django import template
from django.urls import NoReverseMatch

register = template.Library()


@register.filter
def body_url(organisation) -> str:
    """The register page of a body, or "" while the register has no page for it (links are then omitted)."""
    try:
        return organisation.get_absolute_url()
    except NoReverseMatch:
        return ""
