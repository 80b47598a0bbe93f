"""Template filters of the OZG pages."""

from django import template

from ozg_monitoring.maturity import explain

register = template.Library()


@register.filter
def reifegrad(status) -> str:
    """A status's Reifegrad in plain words (`ozg_monitoring.maturity.explain`); a status object or a dict with
    `maturity_level` and `maturity_model`."""
    if status is None:
        return explain(None, None)
    if isinstance(status, dict):
        return explain(status.get("maturity_level"), status.get("maturity_model"))
    return explain(getattr(status, "maturity_level", None), getattr(status, "maturity_model", None))
