"""List filters of the funding admin that the start page (accounts/start_page.py) links to.

`awaiting(queryset, user, step)` is the one place where "waits for me" is written: drawdowns in the state
before the step (beantragt before the review, geprüft before the approval) that the user holds the step's
permission for (the services' Rules) and did not request himself (four eyes, `services._four_eyes`). The
drawdown list's filter and the start page's counts both use it.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Drawdown

REVIEW, APPROVAL = "pruefung", "freigabe"
#: step → (the Rule of the step, the status a drawdown waits in for it)
STEPS = {
    REVIEW: (services.DRAWDOWN_REVIEW, Drawdown.Status.BEANTRAGT),
    APPROVAL: (services.DRAWDOWN_APPROVE, Drawdown.Status.GEPRUEFT),
}


def may_take(user, step: str) -> bool:
    """May the user take this step of the workflow at all (the Rule's permission)?"""
    return STEPS[step][0].allows(user)


def awaiting(queryset, user, step: str):
    """The drawdowns of `queryset` waiting for `user` to take `step` (none if the user may not take it)."""
    rule, status = STEPS[step]
    if not rule.allows(user):
        return queryset.none()
    return queryset.filter(status=status).exclude(requested_by=user)


class AwaitingMeFilter(admin.SimpleListFilter):
    title = _("wartet auf mich")
    parameter_name = "wartet_auf_mich"

    def lookups(self, request, model_admin):
        return [
            (step, label)
            for step, label in ((REVIEW, _("zur Prüfung")), (APPROVAL, _("zur Freigabe")))
            if may_take(request.user, step)
        ]

    def queryset(self, request, queryset):
        if self.value() in STEPS:
            return awaiting(queryset, request.user, self.value())
        return queryset
