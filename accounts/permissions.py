"""DRF permission classes for writes by Kommunen.

- `TokenScopeAllowsWrite`: a request authenticated with a read-only token may only read (GET, HEAD, OPTIONS);
  anything else gets 403. Requests without a token (session, anonymous) are left to the other classes.
- `CanWriteForVerwaltung`: object-level check for unsafe methods: the user may act for the object's
  Verwaltung (see `selectors.user_may_act_for`). The view names the object's Verwaltung either with a method
  `get_permission_verwaltung(obj)` or with the attribute `verwaltung_attribute` (default "verwaltung"); an
  Organisation object is its own Verwaltung. Bulk endpoints check each item with `user_may_act_for` (or
  `verwaltung_ids_for` once) themselves.

Typical use on a write viewset::

    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticatedOrReadOnly, TokenScopeAllowsWrite, CanWriteForVerwaltung]
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from organisations.models import Organisation

from .models import ApiToken
from .selectors import user_may_act_for


class TokenScopeAllowsWrite(BasePermission):
    message = _("Dieses Token darf nur lesen; zum Schreiben braucht es die Berechtigung „lesen und schreiben“.")
    code = "token_read_only"

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        token = request.auth
        return not isinstance(token, ApiToken) or token.allows_write


class CanWriteForVerwaltung(BasePermission):
    message = _("Sie dürfen nur für die Verwaltungen schreiben, an die Ihr Konto gebunden ist.")
    code = "verwaltung_not_allowed"

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        return user_may_act_for(request.user, self.verwaltung_of(view, obj))

    @staticmethod
    def verwaltung_of(view, obj):
        if hasattr(view, "get_permission_verwaltung"):
            return view.get_permission_verwaltung(obj)
        if isinstance(obj, Organisation):
            return obj
        attribute = getattr(view, "verwaltung_attribute", "verwaltung")
        return getattr(obj, f"{attribute}_id", None) or getattr(obj, attribute, None)
