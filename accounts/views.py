"""The opt-out page of mails that may be declined (`accounts.notifications`): reached from the link in such a
mail, it works without login through the signed token in its address. GET shows the choice (a mail scanner that
follows the link changes nothing); POST records it."""

from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from . import notifications


@require_http_methods(["GET", "POST"])
def optout_view(request, token: str):
    found = notifications.read_token(token)
    if found is None:
        raise Http404("Dieser Abmeldelink ist ungültig.")
    user_id, kind = found
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise Http404("Dieser Abmeldelink ist ungültig.")
    changed = False
    if request.method == "POST":
        notifications.preference_set(user=user, kind=kind, wants=request.POST.get("wants") == "ja")
        changed = True
    return render(
        request,
        "accounts/notification_optout.html",
        {
            "kind_label": notifications.KINDS[kind],
            "wants": notifications.wants(user, kind),
            "changed": changed,
        },
    )
