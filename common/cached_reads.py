"""Cached reads that are never stale and cannot be flooded: the one owner of cache versions and invalidation.

**Scopes.** A `Scope` names the models a group of cached reads depends on, for instance
`Scope("ozg", watches=["organisations.Organisation", "ozg_monitoring.RolloutStatus", ...])` for the OZG pages
(the register included: its names appear on them). Its *version* is a random token kept in the cache.

**Entries carry their version.** Everything stored through a scope is kept as `(version, expires_at, value)`
under a key that does not contain the version. A read is fresh exactly when the entry's version is the scope's
current one; a replaced version leaves no garbage behind, because the next computation overwrites the same key.
So the number of keys is what the callers put into them, never "keys × versions". Keys built from visitor input
(page parameters, API filters) draw on a `Budget`: at most `limit` new keys per window, each living one window at
most, so such keys never number more than twice the limit, whatever a visitor sends.

**Invalidation has one owner: the database connection.** `connect()` installs an execute wrapper on every
connection. It sees each INSERT, UPDATE, DELETE and TRUNCATE that Django sends, whichever door it came through:
model save and delete (cascades included), m2m changes, `QuerySet.update()`/`delete()`, `bulk_create`,
`bulk_update`, raw SQL through `connection.cursor()` (the OZG bulk upsert, the demo loader, the register and
catalogue imports). When a statement touches a table a scope watches, the scope's version is replaced once the
transaction commits: once per scope and transaction (the callbacks of one transaction share a batch), never when
it rolls back (Django drops the callbacks of a rolled-back transaction or savepoint). Writers call nothing, so a
new write path cannot forget it. The one way around it is the DB-API cursor itself (`cursor.cursor`): pass
Django's cursor instead (psycopg2's `execute_values` takes it). Under manual transaction management (autocommit off
outside `atomic`, which the portal never uses) the version is replaced right after the statement.

**Keys** (under Django's cache key prefix): `cached-reads:version:<scope>` (the version, no expiry),
`cached-reads:<key>` (an entry: `page:<scope>:<language>:<digest>`, `dashboard:<language>`, `dashboard-frame:<year>`,
`served`, `demo`, `count:<digest>`, `status-list-json:<digest>` for anonymous pages of the status API, `place:<digest>`
for the place search's redirect) and `cached-reads:budget:<name>:<window>` (the counter of a budget).

**A cached read cannot forget a dependency either**: with the setting `CACHED_READS_VERIFY` (on in the tests)
every computation of a cached value records the tables its SELECTs read and raises `ImproperlyConfigured` when
one is not watched by its scopes (a scope lists in `unshown` what it reads but never shows, e.g. a join).

**The in-process layer.** Versions are read in `current_versions()` only and entries in `_load()` and stored in
`_store()` only, and that is where a layer in front of the shared cache sits (`_Local`): each process remembers
each scope's version for at most `CACHED_READS_LOCAL_SECONDS` (default 1.0; 0 turns the layer off) and keeps
entries in a least-recently-used store of at most `CACHED_READS_LOCAL_BYTES` (default 32 MB) per process.
Nothing else changes, since an entry carries its version and is valid exactly while that version is current: a
write committed in another process is seen here after at most that interval, one committed in this process at once
(`Scope.replace()` updates the process's own copy). `cache.clear()` of the portal's cache backends also empties the
layer of the process that calls it (itvsh_portal/metrics.py). The layer is shared by the threads of a process and
guarded by one lock. A hit is a dictionary lookup: an entry made of immutable values (a page's bytes) is kept as it
is, any other pickled, so that every caller gets its own copy, as from Redis.

**Versions carry the time they were set**: `<random hex>.<milliseconds since the epoch>`; `version_time()` reads it
(the page cache's Last-Modified). A version without it (written before this format) has no time.
"""

import contextlib
import pickle
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection as default_connection
from django.db import connections
from django.db.backends.signals import connection_created
from django.db.transaction import TransactionManagementError

KEY_PREFIX = "cached-reads"

# Statements that write, and the table they write to. Django quotes table names ("t"); raw SQL may not.
_WRITE = re.compile(
    r"\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+(?:ONLY\s+)?"
    r"[\"`\[]?(\w+)",
    re.IGNORECASE,
)
_OTHER_WRITE = re.compile(r"\s*(?:WITH|TRUNCATE)\b", re.IGNORECASE)  # CTEs that may write; TRUNCATE (flush)
_NAMES = re.compile(r"[\"`](\w+)[\"`]|\b(\w+)\b")
_READ_TABLES = re.compile(r"\b(?:FROM|JOIN)\s+\"(\w+)\"", re.IGNORECASE)

#: The in-process layer's defaults (settings CACHED_READS_LOCAL_SECONDS and CACHED_READS_LOCAL_BYTES).
LOCAL_SECONDS = 1.0
LOCAL_BYTES = 32 * 1024 * 1024

_scopes: dict[str, "Scope"] = {}
_table_scopes: dict[str, tuple["Scope", ...]] = {}
_installed = False


# --- scopes ---------------------------------------------------------------------------------------------------


class Scope:
    """The models a group of cached reads depends on, and the version those reads are keyed with."""

    def __init__(self, name: str, *, watches: Iterable[str], unshown: Iterable[str] = ()):
        if name in _scopes:
            raise ImproperlyConfigured(f"Cached-read scope {name!r} is declared twice.")
        self.name = name
        self.watches = tuple(watches)  # model labels ("app.Model")
        self.unshown = tuple(unshown)  # model labels read (joined) but never shown
        self.version_key = f"{KEY_PREFIX}:version:{name}"
        self.tables: frozenset[str] = frozenset()
        self.unshown_tables: frozenset[str] = frozenset()
        self._connected = False
        _scopes[name] = self

    def __repr__(self):
        return f"<Scope {self.name}>"

    def connect(self) -> None:
        """Resolves the watched models to their tables (and their m2m tables) and installs the write hook.
        Call it from the ready() of the app that declares the scope."""
        self._connected = True
        self.tables = frozenset(_tables(self.watches))
        self.unshown_tables = frozenset(_tables(self.unshown))
        for table in self.tables:
            _table_scopes[table] = tuple({*_table_scopes.get(table, ()), self})
        install()

    def watch(self, labels: Iterable[str]) -> None:
        """Adds models to the scope. An app above the scope's app whose data the scope's reads show (through a hook
        the lower app offers) calls it from its own AppConfig.ready(), so that the lower app names nothing of it."""
        self.watches = tuple(dict.fromkeys((*self.watches, *labels)))
        if self._connected:  # resolve the new tables too
            self.connect()

    def version(self) -> str:
        return current_versions((self,))[self.name]

    def replace(self) -> None:
        """A new version now, in the shared cache and in this process's layer (so this process's next read is
        fresh at once). Writers never call this (their commit does); tests and the benchmark do, to make the next
        read a fresh computation."""
        version = new_version()
        cache.set(self.version_key, version, None)
        _local.remember({self.name: version})

    def cached(self, key: str, compute: Callable[[], Any], *, timeout: int, budget: "Budget | None" = None):
        """The value under `key` in this scope, computed (and stored) when missing or of an older version."""
        return cached(key, compute, scopes=(self,), timeout=timeout, budget=budget)


def _tables(labels: Iterable[str]) -> set[str]:
    tables = set()
    for label in labels:
        model = apps.get_model(label)
        tables.add(model._meta.db_table)
        for field in model._meta.local_many_to_many:
            tables.add(field.remote_field.through._meta.db_table)
    return tables


def new_version() -> str:
    """A new random version that carries the time it was set (see `version_time`)."""
    return f"{uuid.uuid4().hex}.{int(time.time() * 1000)}"


def version_time(version: str) -> float | None:
    """When `version` was set (seconds since the epoch), or None for a version without a time."""
    _, dot, millis = version.rpartition(".")
    return int(millis) / 1000 if dot and millis.isdigit() else None


def current_versions(scopes: Iterable[Scope]) -> dict[str, str]:
    """The current version of each scope: from this process's layer when it checked the shared cache less than
    CACHED_READS_LOCAL_SECONDS ago, otherwise one round trip to the shared cache (a missing version is created).
    The one place where versions are read."""
    scopes = {scope.name: scope for scope in scopes}
    versions = _local.versions(scopes)
    missing = [scope for name, scope in scopes.items() if name not in versions]
    if missing:
        read_at = _clock()
        found = cache.get_many([scope.version_key for scope in missing])
        read = {}
        for scope in missing:
            version = found.get(scope.version_key)
            if version is None:
                cache.add(scope.version_key, new_version(), None)
                version = cache.get(scope.version_key) or new_version()
            read[scope.name] = version
        _local.remember(read, read_at=read_at)
        versions.update(read)
    return versions


def combined_version(scopes: Iterable[Scope]) -> str:
    versions = current_versions(scopes)
    return "|".join(f"{name}={versions[name]}" for name in sorted(versions))


# --- entries ------------------------------------------------------------------------------------------------------


def _load(key: str, version: str | None = None):
    """The stored entry `(version, expires_at, value)` under `key`, of any version, or None: from this process's
    layer when it holds the entry of `version` (the one wanted), otherwise from the shared cache."""
    entry = _local.entry(key, version)
    if entry is None:
        entry = cache.get(key)
        if entry is not None and entry[0] == version:
            _local.keep(key, entry)
    return entry


def _store(key: str, entry: tuple, timeout: int) -> None:
    cache.set(key, entry, timeout)
    _local.keep(key, entry)


class _Held(NamedTuple):
    """An entry in the in-process layer: its expiry, its size in bytes, its version, and the entry itself or its
    pickle."""

    expires: float
    size: int
    version: str
    payload: Any
    pickled: bool


_SCALARS = (str, bytes, int, float, bool, type(None))


def _immutable_size(value, depth: int = 0) -> int | None:
    """About the bytes `value` takes when it is made of immutable values only (tuples of strings, bytes and
    numbers), else None."""
    if isinstance(value, str | bytes):
        return len(value) + 50
    if isinstance(value, _SCALARS):
        return 30
    if type(value) is tuple and depth < 4:
        total = 60
        for item in value:
            size = _immutable_size(item, depth + 1)
            if size is None:
                return None
            total += size
        return total
    return None


class _Local:
    """The in-process layer (see the module docstring): versions remembered with the time they were read, and
    pickled entries in a least-recently-used store bounded in bytes. Thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._versions: dict[str, tuple[str, float]] = {}
        self._entries: OrderedDict[str, _Held] = OrderedDict()
        self.size = 0  # bytes held in _entries

    @staticmethod
    def seconds() -> float:
        return float(getattr(settings, "CACHED_READS_LOCAL_SECONDS", LOCAL_SECONDS))

    @staticmethod
    def limit() -> int:
        return int(getattr(settings, "CACHED_READS_LOCAL_BYTES", LOCAL_BYTES))

    def versions(self, names: Iterable[str]) -> dict[str, str]:
        """The versions of `names` this process read less than `seconds()` ago."""
        seconds = self.seconds()
        if seconds <= 0:
            return {}
        now, known = _clock(), {}
        with self._lock:
            for name in names:
                remembered = self._versions.get(name)
                if remembered is not None and now - remembered[1] < seconds:
                    known[name] = remembered[0]
        return known

    def remember(self, versions: dict[str, str], *, read_at: float | None = None) -> None:
        """Remembers `versions` from now on. Versions read from the shared cache at `read_at` do not overwrite one
        this process set (a replace() in another thread) after that read began."""
        if self.seconds() <= 0:
            return
        now = _clock()
        with self._lock:
            for name, version in versions.items():
                known = self._versions.get(name)
                if read_at is not None and known is not None and known[1] > read_at:
                    continue
                self._versions[name] = (version, now)

    def entry(self, key: str, version: str | None):
        """The entry under `key` when this process holds it in `version` and it has not expired, else None."""
        if version is None or self.seconds() <= 0:
            return None
        with self._lock:
            held = self._entries.get(key)
            if held is None or held.version != version:
                return None
            if held.expires <= time.time():
                self._drop(key)
                return None
            self._entries.move_to_end(key)
        if held.pickled:
            return pickle.loads(held.payload)  # noqa: S301 - bytes this process pickled itself (keep)
        return held.payload

    def keep(self, key: str, entry: tuple) -> None:
        """Keeps `entry`: as it is when it is made of immutable values only (a page: strings and bytes), so that a
        hit copies nothing; otherwise pickled, so that every caller gets its own copy."""
        if self.seconds() <= 0:
            return
        size = _immutable_size(entry)
        if size is None:
            payload = pickle.dumps(entry, pickle.HIGHEST_PROTOCOL)
            held = _Held(entry[1], len(payload), entry[0], payload, True)
        else:
            held = _Held(entry[1], size, entry[0], entry, False)
        limit = self.limit()
        with self._lock:
            self._drop(key)
            if held.size > limit:
                return
            self._entries[key] = held
            self.size += held.size
            while self.size > limit:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: str) -> None:
        held = self._entries.pop(key, None)
        if held is not None:
            self.size -= held.size

    def clear(self) -> None:
        with self._lock:
            self._versions.clear()
            self._entries.clear()
            self.size = 0


#: A clock for the version interval (monotonic; tests replace it).
_clock = time.monotonic
_local = _Local()


def forget_local() -> None:
    """Empties this process's layer (the portal's cache backends call it from `clear()`)."""
    _local.clear()


class Budget:
    """At most `limit` new cache keys per `window` seconds, for keys built from visitor input. Entries stored under
    a budget live one window at most, so no more than 2 × limit of them exist at any time."""

    def __init__(self, name: str, *, limit: int, window: int):
        self.name, self.limit, self.window = name, limit, window

    def take(self) -> bool:
        key = f"{KEY_PREFIX}:budget:{self.name}:{int(time.time() // self.window)}"
        cache.add(key, 0, self.window * 2)
        try:
            used = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, self.window * 2)
            used = 1
        return used <= self.limit


@dataclass
class Slot:
    """One cached value: what is stored under `key` (`entry`, of any version) and the version it must have."""

    key: str
    version: str
    entry: tuple | None
    scopes: tuple

    @property
    def fresh(self) -> bool:
        return self.entry is not None and self.entry[0] == self.version

    @property
    def value(self):
        return self.entry[2]

    def store(self, value, *, timeout: int, budget: Budget | None = None) -> bool:
        """Stores `value` under the slot's version. A new key under a budget draws on it (no store when it is used
        up) and lives one window at most; a key that exists keeps its expiry, so refreshing does not prolong it."""
        now = time.time()
        if budget is None:
            expires = now + timeout
        elif self.entry is not None and self.entry[1] > now + 1:
            expires = self.entry[1]
        elif budget.take():
            expires = now + min(timeout, budget.window)
        else:
            return False
        self.entry = (self.version, expires, value)
        _store(self.key, self.entry, max(1, int(expires - now)))
        return True


def slot(key: str, scopes: Iterable[Scope]) -> Slot:
    """What is stored under `key` and the version (of all `scopes`) it must have: two round trips to the cache."""
    scopes, key = tuple(dict.fromkeys(scopes)), f"{KEY_PREFIX}:{key}"
    version = combined_version(scopes)
    return Slot(key=key, version=version, entry=_load(key, version), scopes=scopes)


def cached(
    key: str, compute: Callable[[], Any], *, scopes: Iterable[Scope], timeout: int, budget: Budget | None = None
):
    """The value under `key`, fresh for every scope in `scopes`; computed and stored when missing or stale."""
    found = slot(key, scopes)
    if found.fresh:
        return found.value
    with verified_reads(found.scopes, what=key):
        value = compute()
    found.store(value, timeout=timeout, budget=budget)
    return value


# --- verification of what a cached read reads --------------------------------------------------------------------


@contextmanager
def verified_reads(scopes: Iterable[Scope], *, what: str):
    """The block that computes a value to be stored (`cached()`, the page cache). Its reads come from a database
    that has every write committed before the version was read (`fill_reads()`: the replica only if it has caught
    up). With the setting CACHED_READS_VERIFY: raises ImproperlyConfigured when the block reads a table that none of
    `scopes` watches (nor lists as unshown)."""
    with fill_reads(), _verified_reads(scopes, what=what):
        yield


def fill_reads():
    """The lag guard of a read replica (common/replica.py): a value is never computed on a replica that lags."""
    from common import replica

    return replica.fill_reads()


@contextmanager
def _verified_reads(scopes: Iterable[Scope], *, what: str):
    if not getattr(settings, "CACHED_READS_VERIFY", False):
        yield
        return
    read: set[str] = set()

    def record(execute, sql, params, many, context):
        if isinstance(sql, str) and sql.lstrip()[:6].upper() in ("SELECT", "WITH"):
            read.update(_READ_TABLES.findall(sql))
        return execute(sql, params, many, context)

    with contextlib.ExitStack() as stack:
        for alias in connections:  # the primary and, where reads go there, the replica
            stack.enter_context(connections[alias].execute_wrapper(record))
        yield
    allowed = set().union(*(scope.tables | scope.unshown_tables for scope in scopes))
    unwatched = sorted(read - allowed)
    if unwatched:
        raise ImproperlyConfigured(
            f"The cached read {what!r} reads {', '.join(unwatched)}, which its scopes "
            f"({', '.join(scope.name for scope in scopes)}) do not watch: its entries would go stale. Add the models "
            "to the scope's `watches` (or to `unshown` if the page never shows them)."
        )


# --- the write hook -----------------------------------------------------------------------------------------------


def install() -> None:
    """The write hook on every connection (once): on those open now and on each one opened later."""
    global _installed
    if _installed:
        return
    _installed = True
    wrap_every_connection(_watch_writes, "cached-reads-write-hook")


def wrap_every_connection(wrapper, uid: str) -> None:
    """Installs the execute wrapper `wrapper` on every connection open now and on each one opened later (also used
    by `common.replica`'s write mark). First in the list, so that it is the outermost wrapper and a
    `with connection.execute_wrapper(...)` block that is open while the connection is created pops its own wrapper,
    not this one."""

    def add(conn) -> None:
        if wrapper not in conn.execute_wrappers:
            conn.execute_wrappers.insert(0, wrapper)

    def on_connection_created(sender, connection, **kwargs):
        add(connection)

    # A strong reference: the signal keeps the receiver (weak=False), since `add` is a closure.
    connection_created.connect(on_connection_created, weak=False, dispatch_uid=uid)
    for conn in connections.all(initialized_only=True):
        add(conn)


def written_tables(sql) -> set[str]:
    """The tables a statement writes to (empty for reads)."""
    if isinstance(sql, bytes | bytearray | memoryview):
        head = bytes(sql[:300]).decode("utf-8", "replace")
    elif isinstance(sql, str):
        head = sql[:300]
    else:
        return set()
    match = _WRITE.match(head)
    if match:
        return {match.group(1)}
    if _OTHER_WRITE.match(head):
        text = sql if isinstance(sql, str) else bytes(sql).decode("utf-8", "replace")
        if head.lstrip()[:4].upper() == "WITH" and not re.search(r"\b(?:INSERT|UPDATE|DELETE)\b", text, re.I):
            return set()
        return {quoted or bare for quoted, bare in _NAMES.findall(text)}
    return set()


def _watch_writes(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if _table_scopes:
        tables = written_tables(sql)
        if tables:
            scopes = {scope for table in tables for scope in _table_scopes.get(table, ())}
            for scope in scopes:
                replace_on_commit(scope, connection=context["connection"])
    return result


class _Batch:
    """The replacement of one scope's version for one transaction: every write of the transaction registers the
    batch's `run` (so that each one keeps its own savepoint fate), the first that runs replaces the version."""

    __slots__ = ("scope", "done")

    def __init__(self, scope: Scope):
        self.scope, self.done = scope, False

    def run(self):
        if not self.done:
            self.done = True
            self.scope.replace()


def replace_on_commit(scope: Scope, *, connection=None) -> None:
    """Replaces the scope's version when the current transaction commits (at once outside a transaction). The write
    hook calls it for every write to a watched table; there is no need to call it anywhere else."""
    conn = connection or default_connection
    batches = conn.__dict__.setdefault("_cached_reads_batches", {})
    batch = batches.get(scope.name)
    if batch is None or batch.done:
        batch = batches[scope.name] = _Batch(scope)
    try:
        conn.on_commit(batch.run)
    except TransactionManagementError:  # manual transaction management (not used by the portal): replace now
        batch.run()
