"""API throttles that hold under parallel requests, and the limit on failed token authentications.

DRF's own rate throttles keep a list of request times per client and write it back after each request (read,
modify, write): parallel requests read the same list and each lets itself through, so under load far more pass
than the rate says (about 157 a minute instead of 120 were measured). These count in fixed windows with one
atomic counter per client and window: `cache.add(key, 0)` creates it, `cache.incr(key)` counts (INCR on Redis,
under a lock in the local-memory cache), and the request is let through when its own number is within the rate.
However many requests arrive at once, at most `rate` of them get a number within it.

- `AnonThrottle` ("anon"): requests without a signed-in user, per client address (`client_ip`: DRF's `get_ident`
  with NUM_PROXIES, the rule the login lockout uses too).
- `UserThrottle` ("user"): requests of a user (token or session), per user, from whatever address.
- `failed_authentication_guard` ("auth_failure"): failed token authentications (unknown, expired or revoked
  token, deactivated account, malformed header), per client address, counted by `accounts.authentication`:
  once an address has used up its failures of the window, every token request from it is answered 429 with
  Retry-After before the token is looked up.

Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] at each request ("120/min"; periods s, min, h, d). A scope
without a rate is not throttled. The counters live in the default cache: Redis in production, shared by every
web worker.
"""

import math
import time
from dataclasses import dataclass

from django.core.cache import cache
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from common.messages import message

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
KEY_PREFIX = "throttle"


def _now() -> float:
    return time.time()


def rate_of(scope: str) -> tuple[int, int] | None:
    """(requests, seconds) of the scope's rate, e.g. "120/min" -> (120, 60); None without a rate."""
    try:
        rate = api_settings.DEFAULT_THROTTLE_RATES[scope]
    except (KeyError, TypeError):
        return None
    if not rate:
        return None
    number, period = str(rate).split("/")
    return int(number), PERIODS[period.strip()[0]]


@dataclass(frozen=True)
class Hit:
    """One counted request: its number in the window, whether that is within the rate, and the wait until the
    window ends (seconds, at least 1)."""

    key: str
    count: int
    allowed: bool
    wait: int


def count_hit(scope: str, ident: str) -> Hit | None:
    """Counts one request of `ident` in the current window of `scope`, atomically. None: the scope has no rate."""
    rate = rate_of(scope)
    if rate is None:
        return None
    limit, seconds = rate
    now = _now()
    window = int(now // seconds)
    key = f"{KEY_PREFIX}:{scope}:{ident}:{window}"
    cache.add(key, 0, timeout=seconds + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr (a stalled worker): this request opens the window anew
        cache.add(key, 0, timeout=seconds + 5)
        count = cache.incr(key)
    wait = max(1, math.ceil((window + 1) * seconds - now))
    return Hit(key=key, count=count, allowed=count <= limit, wait=wait)


class _WindowThrottle(BaseThrottle):
    scope = ""

    def __init__(self):
        self._wait = None

    def ident_for(self, request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view):
        ident = self.ident_for(request)
        if ident is None:
            return True
        hit = count_hit(self.scope, ident)
        if hit is None or hit.allowed:
            return True
        self._wait = hit.wait
        return False

    def wait(self):
        return self._wait


class AnonThrottle(_WindowThrottle):
    """Anonymous requests, per client address."""

    scope = "anon"

    def ident_for(self, request):
        if request.user and request.user.is_authenticated:
            return None
        return self.get_ident(request)


class UserThrottle(_WindowThrottle):
    """Requests of a signed-in user (token or session), per user."""

    scope = "user"

    def ident_for(self, request):
        if request.user and request.user.is_authenticated:
            return f"user-{request.user.pk}"
        return None


class FailedAuthenticationGuard:
    """Failed token authentications per client address (scope "auth_failure").

    `check` comes before the token is looked up: an address that has used up its failures of the window gets
    429 at once. `failed` counts a failure atomically; the failure whose number is past the limit is answered
    429 instead of 401, so that however many wrong tokens arrive at once, at most `rate` of them learn anything
    about their token (and a good token is never counted)."""

    scope = "auth_failure"

    def _key(self, request) -> tuple[str, int, int] | None:
        rate = rate_of(self.scope)
        if rate is None:
            return None
        limit, seconds = rate
        now = _now()
        window = int(now // seconds)
        wait = max(1, math.ceil((window + 1) * seconds - now))
        return f"{KEY_PREFIX}:{self.scope}:{BaseThrottle().get_ident(request)}:{window}", limit, wait

    def check(self, request) -> None:
        found = self._key(request)
        if found is None:
            return
        key, limit, wait = found
        if (cache.get(key) or 0) >= limit:
            raise self._throttled(wait)

    def failed(self, request) -> None:
        hit = count_hit(self.scope, BaseThrottle().get_ident(request))
        if hit is not None and not hit.allowed:
            raise self._throttled(hit.wait)

    @staticmethod
    def _throttled(wait: int) -> exceptions.Throttled:
        # The API's error handler words it from the catalogue (common/messages.py, code "auth_failures").
        return exceptions.Throttled(wait=wait, detail=message("auth_failures_any"), code="auth_failures")


failed_authentication_guard = FailedAuthenticationGuard()
