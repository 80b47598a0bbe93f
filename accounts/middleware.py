"""Session rules for staff logins (installed after django_otp's OTPMiddleware and the MessageMiddleware).

- `SessionTimeoutMiddleware`: a signed-in session ends after `SESSION_IDLE_TIMEOUT` seconds without a request
  (30 minutes) and at the latest `SESSION_COOKIE_AGE` seconds after the login (8 hours), however active it
  is. The login time is stored in the session when the user signs in (signal `user_logged_in`); the time of
  the last request is written at most once a minute (`ACTIVITY_RESOLUTION`), so that reading pages costs no
  session write per request. The session's own expiry (cookie and store) is set to the same limits, so an
  expired session is also gone from the store. An ended session is flushed (`logout`).
- `SecondFactorMiddleware`: outside the admin, a session of a user who has not passed the second factor
  counts as anonymous. Without it, a password alone would be enough for session-authenticated API writes;
  the second-factor step itself lives under the admin (see admin_site.py).
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from . import second_factor

SESSION_STARTED_KEY = "accounts_login_at"
SESSION_ACTIVITY_KEY = "accounts_last_activity"
#: The last activity is written to the session at most this often (seconds).
ACTIVITY_RESOLUTION = 60


def idle_timeout() -> int:
    return int(getattr(settings, "SESSION_IDLE_TIMEOUT", 30 * 60))


def absolute_timeout() -> int:
    return int(settings.SESSION_COOKIE_AGE)


def _set_expiry(session, now: float) -> None:
    started = session.get(SESSION_STARTED_KEY, now)
    remaining = int(started + absolute_timeout() - now)
    session.set_expiry(max(1, min(idle_timeout(), remaining)))


@receiver(user_logged_in, dispatch_uid="accounts_session_start")
def _session_start(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    now = time.time()
    request.session[SESSION_STARTED_KEY] = now
    request.session[SESSION_ACTIVITY_KEY] = now
    _set_expiry(request.session, now)


def session_expired(session, now: float) -> str | None:
    """ "idle", "absolute" or None."""
    started = session.get(SESSION_STARTED_KEY)
    last = session.get(SESSION_ACTIVITY_KEY, started)
    if started is not None and now - started >= absolute_timeout():
        return "absolute"
    if last is not None and now - last >= idle_timeout():
        return "idle"
    return None


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if (
            session is not None
            and settings.SESSION_COOKIE_NAME in request.COOKIES  # else nobody is signed in (see below)
            and request.user.is_authenticated
        ):
            now = time.time()
            if SESSION_STARTED_KEY not in session:  # a session from before this rule: it starts now
                session[SESSION_STARTED_KEY] = session[SESSION_ACTIVITY_KEY] = now
                _set_expiry(session, now)
            reason = session_expired(session, now)
            if reason is not None:
                logout(request)  # flushes the session: its key no longer works
                if reason == "idle":
                    text = _("Ihre Sitzung ist nach %(minutes)d Minuten ohne Aktivität abgelaufen.") % {
                        "minutes": idle_timeout() // 60
                    }
                else:
                    text = _("Ihre Sitzung ist %(hours)d Stunden nach der Anmeldung abgelaufen.") % {
                        "hours": absolute_timeout() // 3600
                    }
                messages.info(request, f"{text} {_('Bitte melden Sie sich erneut an.')}")
            elif now - session.get(SESSION_ACTIVITY_KEY, 0) >= ACTIVITY_RESOLUTION:
                session[SESSION_ACTIVITY_KEY] = now
                _set_expiry(session, now)
        return self.get_response(request)


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Without a session cookie nobody is signed in; not touching the session keeps `Vary: Cookie` off
        # anonymous answers (open data files, cached pages).
        if (
            settings.SESSION_COOKIE_NAME in request.COOKIES
            and request.user.is_authenticated
            and not _in_admin(request)
            and not second_factor.is_verified(request.user)
        ):
            request.user = AnonymousUser()
        return self.get_response(request)


def _in_admin(request) -> bool:
    try:
        prefix = reverse("admin:index", urlconf=getattr(request, "urlconf", None))
    except NoReverseMatch:  # a URLconf without the admin
        return False
    return request.path.startswith(prefix)
