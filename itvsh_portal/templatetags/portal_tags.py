"""Template helpers shared by all public pages: `{% load portal_tags %}`.

Filters (German formats from common/formatting.py; None renders as "–"):
  {{ amount|euro }}           Decimal("12345.6")  -> "12.345,60 €"
  {{ count|number }}          2959517             -> "2.959.517"
  {{ share|number:1 }}        Decimal("42.55")    -> "42,6"
  {{ share|percent }}         42.5                -> "43 %"   (the value is already in percent)
  {{ share|percent:1 }}       42.55               -> "42,6 %"
Tags:
  {% page_links page_obj as pages %}    page numbers with "…" gaps for includes/pagination.html
"""

from django import template
from django.utils.translation import gettext as _

from common import formatting, stand

register = template.Library()


def _places(arg, default: int = 0) -> int:
    if arg in (None, ""):
        return default
    return int(arg)


@register.filter
def as_stand(value):
    """A datetime as "Stand der Daten" (common/stand.py): `{% include "includes/stand.html" with stand=x|as_stand %}`
    or `{{ x|as_stand }}` for the words."""
    return stand.Stand(value)


@register.filter
def euro(value):
    return formatting.format_euro(value)


@register.filter
def euro_or_unknown(value):
    """An amount, or "nicht bekannt" where none is recorded (None): never 0,00 € for an unknown."""
    return _("nicht bekannt") if value is None else formatting.format_euro(value)


@register.filter
def number(value, places=None):
    return formatting.format_number(value, _places(places))


@register.filter
def percent(value, places=None):
    return formatting.format_percent(value, _places(places))


@register.simple_tag
def page_links(page_obj, on_each_side: int = 2, on_ends: int = 1) -> list:
    """Page numbers around the current page with "…" gaps: `{% page_links page_obj as pages %}`."""
    paginator = page_obj.paginator
    return list(paginator.get_elided_page_range(page_obj.number, on_each_side=on_each_side, on_ends=on_ends))
