"""The one permission policy of the REST API. Every view uses it (DEFAULT_PERMISSION_CLASSES); a view may add
classes after it (`permission_classes = [*PortalPolicy.default(), MyExtra]`) but never replace it — a test walks
every API view and fails otherwise.

- Reading (GET, HEAD, OPTIONS) is public.
- Writing needs, in this order, before the request body is read:
  1. a signed-in, active user (else 401 with a token or 403 otherwise, as DRF answers),
  2. a token that may write (a read-only token: 403),
  3. the view's `write_rules` entry for the action (a viewset action name, e.g. "create", "partial_update",
     "bulk", or for a plain APIView the lower-case method, e.g. "post"): a `common.authorization.Rule` that
     the service behind it checks too. A write action without an entry is refused (fail closed): a new door is
     closed until it names its rule.
- For a write on one object (`get_object()`), the rule is asked again with the object (its scope: e.g. the
  Verwaltung of a status). Views call `get_object()` before they validate the body, so a refused write never
  answers 400 with field errors.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.models import ApiToken
from common.messages import lazy_message

TOKEN_READ_ONLY = lazy_message("api.token_read_only")
NO_RULE = lazy_message("api.no_rule")
NOT_SIGNED_IN = lazy_message("api.not_signed_in")


def write_rule(request, view):
    """The Rule the view declares for this request's write, or None."""
    rules = getattr(view, "write_rules", None) or {}
    name = getattr(view, "action", None) or request.method.lower()
    return rules.get(name)


class PortalPolicy(BasePermission):
    message = NOT_SIGNED_IN

    @classmethod
    def default(cls) -> list:
        """The classes a view extends: `permission_classes = [*PortalPolicy.default(), Extra]`."""
        return [cls]

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        method = request.method.lower()
        if method not in view.http_method_names or getattr(view, method, None) is None:
            return True  # no such operation: the view answers 405, whoever asks
        user = request.user
        if user is None or not user.is_authenticated or not user.is_active:
            self.message = NOT_SIGNED_IN
            return False
        token = request.auth
        if isinstance(token, ApiToken) and not token.allows_write:
            self.message, self.code = TOKEN_READ_ONLY, "token_read_only"
            return False
        rule = write_rule(request, view)
        if rule is None:
            self.message, self.code = NO_RULE, "no_rule"
            return False
        reason = rule.denial(user)
        if reason is not None:
            self.message, self.code = reason, "permission_denied"
            return False
        return True

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        rule = write_rule(request, view)
        if rule is None:
            self.message, self.code = NO_RULE, "no_rule"
            return False
        reason = rule.denial(request.user, obj)
        if reason is not None:
            self.message, self.code = reason, "permission_denied"
            return False
        return True
