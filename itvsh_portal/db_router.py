"""Anonymous public reads from a PostgreSQL read replica, everything else from the primary (docs/BETRIEB.md,
"Skalierung").

With `DATABASE_REPLICA_URL` set, `ReplicaMiddleware` marks a request as one that may read from the replica when
it is a GET or HEAD, carries neither a session cookie nor an `Authorization` header (a Kommune's token client reads
`version` before its PATCH: that read must see the last write) nor a valid sticky cookie, and is not for the admin.
`ReplicaRouter` then sends its reads there, as long as the rules of `common.replica` allow (nothing written yet in
the request, no transaction open, no lagging replica for a value to be cached). Writes always go to the primary.

**Read your writes.** A response to a request that wrote (the write hook of `common.replica` saw an INSERT, UPDATE,
DELETE or TRUNCATE) carries the signed cookie `REPLICA_STICKY_COOKIE` for `REPLICA_STICKY_SECONDS` (HttpOnly,
SameSite=Lax, Secure under HTTPS); while it is valid, the client reads from the primary, so a change is visible to
whoever made it at once, however far the replica lags. Logged-in clients read from the primary anyway (session
cookie); the mark covers the seconds after a logout and token clients that do not send their token on reads. Without
a replica no cookie is set.

Reads that happen after the middleware returned (the body of a streaming response) go to the primary: the context
of the request is gone by then, and the primary is the default.
"""

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

from common import replica

SAFE_METHODS = frozenset({"GET", "HEAD"})
_SALT = "itvsh_portal.db_router.sticky"


class ReplicaRouter:
    """Reads to `common.replica.read_alias()`, writes and migrations to the primary."""

    def db_for_read(self, model, **hints):
        return replica.read_alias()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows: objects read from either may be related.
        return {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, replica.REPLICA, None} or None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def wrote_recently(request, *, cookie: str, seconds: int) -> bool:
    """Whether the request carries a valid sticky cookie (signed, younger than REPLICA_STICKY_SECONDS)."""
    if cookie not in request.COOKIES:
        return False
    return request.get_signed_cookie(cookie, default=None, salt=_SALT, max_age=seconds) is not None


def may_read_replica(request) -> bool:
    """An anonymous public read of a client that did not write in the last REPLICA_STICKY_SECONDS."""
    return ReplicaMiddleware(None).may_read_replica(request)


class ReplicaMiddleware:
    """Marks each request for the router and sets the sticky cookie on the answer to a request that wrote. Belongs
    before every middleware that reads the database (sessions, authentication). Reads its settings once."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = replica.enabled()
        self.session_cookie = settings.SESSION_COOKIE_NAME
        self.cookie, self.seconds = settings.REPLICA_STICKY_COOKIE, settings.REPLICA_STICKY_SECONDS
        self.secure = settings.SESSION_COOKIE_SECURE
        if self.enabled:
            replica.install()

    def may_read_replica(self, request) -> bool:
        return (
            request.method in SAFE_METHODS
            and self.session_cookie not in request.COOKIES
            and "HTTP_AUTHORIZATION" not in request.META
            and not request.path.startswith("/admin/")
            and not wrote_recently(request, cookie=self.cookie, seconds=self.seconds)
        )

    def __call__(self, request):
        if not self.enabled:
            return self.get_response(request)
        state, token = replica.request_begin(replica=self.may_read_replica(request))
        try:
            response = self.get_response(request)
        finally:
            replica.request_end(token)
        if state.wrote:
            response.set_signed_cookie(
                self.cookie, "1", salt=_SALT, max_age=self.seconds, httponly=True, samesite="Lax", secure=self.secure
            )
        return response
