"""DRF authentication with the portal's API tokens.

Clients send `Authorization: Token <key>` (or `Authorization: Bearer <key>`). The key is hashed (SHA-256)
and looked up by its hash; the stored hash is compared in constant time once more. Unknown, revoked and
expired tokens, and tokens of deactivated users, are refused with 401, a German message, a machine-readable
code (`token_invalid`, `token_revoked`, `token_expired`) and a `WWW-Authenticate` header.

A request without an Authorization header, or with another scheme (e.g. Basic), is left to the next
authentication class. For the 401 (instead of 403) answer, DRF takes the WWW-Authenticate header from the
*first* authentication class of a view, so this class belongs first in `DEFAULT_AUTHENTICATION_CLASSES`.

Failed authentications count against the client address (`common.throttling`, scope "auth_failure",
`API_THROTTLE_AUTH_FAILURES`): past the limit, 429 with Retry-After, before the token is looked up.

Cost per authenticated request: one SELECT (token with its user), plus one UPDATE of `last_used_at` at most
once a minute per token; one cache read for the failure count (and one increment per failure).
"""

import hmac

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from common.messages import lazy_message
from common.throttling import failed_authentication_guard

from .models import ApiToken, hash_key
from .services import api_token_mark_used

KEYWORDS = ("token", "bearer")
REALM = "api"


class ApiTokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].decode("latin-1").lower() not in KEYWORDS:
            return None
        failed_authentication_guard.check(request)  # 429 before any lookup once the address has no failures left
        try:
            return self._authenticate(parts)
        except exceptions.AuthenticationFailed:
            failed_authentication_guard.failed(request)  # raises 429 instead when this failure is past the limit
            raise

    def _authenticate(self, parts):
        if len(parts) == 1:
            raise self._fail(lazy_message("accounts.token_missing_key"), "token_invalid")
        if len(parts) > 2:
            raise self._fail(lazy_message("accounts.token_spaces"), "token_invalid")
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise self._fail(lazy_message("accounts.token_characters"), "token_invalid") from None
        return self.authenticate_credentials(key)

    def authenticate_credentials(self, key: str):
        digest = hash_key(key)
        token = ApiToken.objects.select_related("user").filter(key_hash=digest).first()
        if token is None or not hmac.compare_digest(token.key_hash, digest):
            raise self._fail(lazy_message("accounts.token_invalid"), "token_invalid")
        now = timezone.now()
        if token.revoked_at is not None:
            raise self._fail(lazy_message("accounts.token_revoked"), "token_revoked")
        if token.expires_at is not None and token.expires_at <= now:
            raise self._fail(lazy_message("accounts.token_expired"), "token_expired")
        if not token.user.is_active:
            raise self._fail(lazy_message("accounts.token_user_inactive"), "token_invalid")
        api_token_mark_used(token=token, now=now)
        return token.user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="{REALM}"'

    @staticmethod
    def _fail(message, code):
        return exceptions.AuthenticationFailed(message, code=code)
