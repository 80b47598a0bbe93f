"""The funding app's panel on the admin's start page (accounts/start_page.py): drawdowns awaiting my step."""

from django.utils.translation import gettext as _

from accounts.start_page import Panel, filtered_entry, panel, viewable_admin


@panel(10)
def drawdowns_awaiting_me(request, site) -> Panel | None:
    from funding.admin_filters import APPROVAL, REVIEW, AwaitingMeFilter, may_take

    model_admin = viewable_admin(request, site, "funding.Drawdown")
    steps = [step for step in (REVIEW, APPROVAL) if may_take(request.user, step)]
    if model_admin is None or not steps:
        return None
    labels = {REVIEW: _("warten auf Ihre Prüfung"), APPROVAL: _("warten auf Ihre Freigabe")}
    return Panel(
        key="mittelabrufe",
        title=_("Mittelabrufe"),
        entries=[filtered_entry(model_admin, request, AwaitingMeFilter, step, labels[step]) for step in steps],
        note=_("Ohne Ihre eigenen Anträge: die prüft und gibt eine andere Person frei (Vier-Augen-Prinzip)."),
    )
