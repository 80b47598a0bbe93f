"""Template filters of the login pages."""

import datetime

from django import template

register = template.Library()


@register.filter
def minutes(value) -> int:
    """Whole minutes of a timedelta (rounded up), e.g. the lockout's cool-off."""
    if not isinstance(value, datetime.timedelta):
        return 0
    return -(-int(value.total_seconds()) // 60)
