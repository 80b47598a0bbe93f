"""Where a read goes: the primary database or its read replica, and the lag guard of values stored in a shared cache.

**The rule.** A query reads from the replica (the database alias `REPLICA`) only while a request marked as an
anonymous public read is handled (`request_reads()`, entered by `itvsh_portal.db_router.ReplicaMiddleware`) and:

- the request has written nothing yet (the write hook below sees every INSERT, UPDATE, DELETE and TRUNCATE Django
  sends, on any connection: `cached_reads.written_tables`, the one statement classifier), so a request reads its
  own writes;
- no atomic block is open on the primary (every query of a transaction stays on the primary, reads included);
- no block asked for the primary (`on_primary()`), e.g. a computation the replica may not yet be able to serve.

Everywhere else, the primary: writes, Celery tasks, management commands, the shell, a request that the middleware
did not mark (authenticated ones, unsafe methods, clients that wrote within `REPLICA_STICKY_SECONDS`). The
default of the context variable is "no request": the primary.

**The lag guard** (`fill_reads()`): `cached_reads` replaces a scope's version once a write to it commits *on the
primary*. A value computed on a replica that has not yet replayed that commit would be stored under the new version
with the old content and stay there until the next write (hours, for a quiet page). Chosen: before computing a
value to be stored, compare positions in the write-ahead log. After the version was read (so after the write that
set it committed), ask the primary for its current WAL position (`pg_current_wal_lsn()`) and the replica whether it
has replayed at least that far (`pg_last_wal_replay_lsn() >= …`): two one-row queries without tables, taken only
when a value is computed (a miss), never on a hit. If the replica has caught up, it has every write committed before
the version was read, and a later write sets a newer version anyway; so what is stored is never older than its
version. If it lags, cannot tell (not PostgreSQL, not in recovery, unreachable), the value is computed on the
primary. Rejected: (a) recording the LSN with the version when it is replaced: two writers replacing a version
concurrently may leave the newer version with the older LSN, and the version format is shared with the in-process
layer; (b) filling caches only from the primary: safe as well, but then the most expensive reads of the portal
(the cold dashboard after a write) never reach the replica. A replica alias configured with the very database of
the primary (the test suite's `MIRROR`) cannot lag and counts as caught up.
"""

import contextlib
import contextvars
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

#: The database alias of the read replica (itvsh_portal/settings.py defines it).
REPLICA = "replica"


@dataclass
class RequestReads:
    """What the router knows about the request being handled."""

    replica: bool  # the middleware found an anonymous public read of a client without a recent write
    primary: object = None  # the primary's connection of this request (asked whether an atomic block is open)
    wrote: bool = False  # a statement of this request wrote (seen by the write hook)
    primary_blocks: int = 0  # open on_primary() blocks


_request: contextvars.ContextVar[RequestReads | None] = contextvars.ContextVar("replica_request", default=None)


def enabled() -> bool:
    """Reads go to a replica only where one is configured (DATABASE_REPLICA_URL) and the setting allows it."""
    return bool(getattr(settings, "READ_REPLICA_ENABLED", False)) and REPLICA in settings.DATABASES


def request_begin(*, replica: bool) -> tuple[RequestReads, contextvars.Token]:
    """One request begins; `replica`: it may read from the replica (see the module docstring). The caller asks
    `enabled()` first (the middleware, once) and ends it with `request_end(token)`."""
    state = RequestReads(replica=replica)
    return state, _request.set(state)


def request_end(token: contextvars.Token) -> None:
    _request.reset(token)


@contextlib.contextmanager
def request_reads(*, replica: bool):
    """`request_begin` … `request_end` as a block (tests, scripts)."""
    install()
    state, token = request_begin(replica=replica)
    try:
        yield state
    finally:
        request_end(token)


def read_alias() -> str:
    """The database a read goes to now."""
    state = _request.get()
    if state is None or not state.replica or state.wrote or state.primary_blocks:
        return DEFAULT_DB_ALIAS
    if state.primary is None:
        state.primary = connections[DEFAULT_DB_ALIAS]
    if state.primary.in_atomic_block:
        return DEFAULT_DB_ALIAS
    return REPLICA


@contextlib.contextmanager
def on_primary():
    """Every read of the block goes to the primary."""
    state = _request.get()
    if state is None:
        yield
        return
    state.primary_blocks += 1
    try:
        yield
    finally:
        state.primary_blocks -= 1


@contextlib.contextmanager
def fill_reads():
    """The block computes a value that goes into a shared cache under the version read before it: its reads come
    from the replica only if the replica has replayed every write the primary had committed when the block began
    (the lag guard, see the module docstring), else from the primary."""
    if read_alias() == DEFAULT_DB_ALIAS or replica_caught_up():
        yield
        return
    with on_primary():
        yield


def _same_database(a: dict, b: dict) -> bool:
    return all(a.get(key) == b.get(key) for key in ("ENGINE", "NAME", "HOST", "PORT"))


def replica_caught_up() -> bool:
    """Whether the replica has replayed everything the primary has committed up to now."""
    primary, replica = connections[DEFAULT_DB_ALIAS], connections[REPLICA]
    if _same_database(primary.settings_dict, replica.settings_dict):
        return True
    if primary.vendor != "postgresql" or replica.vendor != "postgresql":
        return False
    try:
        with primary.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()")
            (position,) = cursor.fetchone()
        with replica.cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() >= %s::pg_lsn", [position])
            in_recovery, caught_up = cursor.fetchone()
    except DatabaseError:
        return False
    return bool(in_recovery and caught_up)


# --- the write hook -------------------------------------------------------------------------------------------------

_installed = False


def install() -> None:
    """The write hook on every connection (once): on those open now and on each one opened later."""
    global _installed
    if _installed:
        return
    _installed = True
    from common.cached_reads import wrap_every_connection

    wrap_every_connection(_mark_writes, "replica-write-hook")


def _mark_writes(execute, sql, params, many, context):
    state = _request.get()
    if state is not None and not state.wrote:
        from common.cached_reads import written_tables

        if written_tables(sql):
            state.wrote = True
    return execute(sql, params, many, context)


def current() -> RequestReads | None:
    """The state of the request being handled (None outside a request)."""
    return _request.get()
