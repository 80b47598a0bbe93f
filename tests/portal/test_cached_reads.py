"""The mechanism of the cached reads (common/cached_reads.py) and of the page cache (common/page_cache.py)."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections, transaction
from django.http import QueryDict

from common import cached_reads, page_cache
from organisations.models import Organisation
from tests.organisations.factories import AmtFactory

#: A scope of the tests: it watches the register only.
REGISTER = cached_reads.Scope("tests-register", watches=["organisations.Organisation"])


@pytest.fixture
def register_scope(db):
    REGISTER.connect()
    return REGISTER


@pytest.fixture
def replacements(register_scope, monkeypatch):
    replaced = []
    monkeypatch.setattr(register_scope, "replace", lambda: replaced.append(1))
    return replaced


# --- which statements write --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "tables"),
    [
        (
            'INSERT INTO "organisations_organisation" ("name") VALUES (%s) RETURNING "id"',
            {"organisations_organisation"},
        ),
        ('INSERT OR IGNORE INTO "t" ("a") VALUES (%s)', {"t"}),
        ('UPDATE "t" SET "a" = v.c0 FROM (VALUES (1, 2)) AS v (pk, c0) WHERE "t"."id" = v.pk', {"t"}),
        (b'UPDATE "t" SET "a" = 1', {"t"}),
        ("  delete from t where id = 1", {"t"}),
        ('TRUNCATE "a", "b" RESTART IDENTITY CASCADE;', {"a", "b"}),
        ('WITH x AS (SELECT 1) UPDATE "t" SET "a" = 1', {"t"}),
        ('SELECT "t"."id" FROM "t" WHERE "t"."name" = \'UPDATE "u"\'', set()),
        ('WITH wanted (a, b) AS (VALUES (%s, %s)) SELECT t."id" FROM "t" t JOIN wanted ON t."a" = wanted.a', set()),
        ("SAVEPOINT s1", set()),
    ],
)
def test_written_tables(sql, tables):
    assert cached_reads.written_tables(sql) >= tables
    if not tables:
        assert cached_reads.written_tables(sql) == set()


# --- every write replaces the version once per transaction, on commit ------------------------------------------


@pytest.mark.parametrize("write", ["save", "update", "bulk_create", "bulk_update", "delete", "raw"])
def test_every_kind_of_write_replaces_once_on_commit(write, replacements, django_capture_on_commit_callbacks):
    amt = AmtFactory()
    kammer = Organisation.objects.create(slug="kammer", name="Kammer", kind=Organisation.Kind.KAMMER)
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        if write == "save":
            amt.name = "Amt Neu"
            amt.save()
            amt.save()
        elif write == "update":
            Organisation.objects.filter(pk=amt.pk).update(name="Amt Neu")
        elif write == "bulk_create":
            Organisation.objects.bulk_create(
                [Organisation(slug=f"stelle-{n}", name=f"Stelle {n}", kind="kammer") for n in range(3)], batch_size=1
            )
        elif write == "bulk_update":
            amt.name = "Amt Neu"
            Organisation.objects.bulk_update([amt], ["name"])
        elif write == "delete":
            kammer.delete()
        else:
            with connection.cursor() as cursor:
                cursor.execute("UPDATE organisations_organisation SET name = %s WHERE id = %s", ["Amt Neu", amt.pk])
    assert callbacks and replacements == []
    for callback in callbacks:
        callback()
    assert replacements == [1]


def test_reads_and_writes_elsewhere_replace_nothing(replacements, django_capture_on_commit_callbacks):
    from django.contrib.auth.models import Group

    with django_capture_on_commit_callbacks(execute=True):
        list(Organisation.objects.all())
        Group.objects.create(name="Unbeteiligt")
    assert replacements == []


def test_a_rolled_back_savepoint_replaces_nothing_and_a_later_write_still_does(
    replacements, django_capture_on_commit_callbacks
):
    amt = AmtFactory()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        try:
            with transaction.atomic():
                Organisation.objects.filter(pk=amt.pk).update(name="Nie")
                raise RuntimeError
        except RuntimeError:
            pass
    assert replacements == []
    with django_capture_on_commit_callbacks(execute=True):
        Organisation.objects.filter(pk=amt.pk).update(name="Doch")
    assert replacements == [1]


def test_a_connection_opened_later_gets_the_write_hook(register_scope):
    other = connections.create_connection("default")
    try:
        other.ensure_connection()
        assert other.execute_wrappers[0] is cached_reads._watch_writes
    finally:
        other.close()


# --- entries carry their version; budgets bound keys from visitor input ------------------------------------------


def test_an_entry_is_fresh_only_under_the_current_version(register_scope):
    computed = []

    def compute():
        computed.append(1)
        return len(computed)

    assert register_scope.cached("x", compute, timeout=60) == 1
    assert register_scope.cached("x", compute, timeout=60) == 1
    register_scope.replace()
    assert register_scope.cached("x", compute, timeout=60) == 2


def test_a_budget_limits_new_keys_but_not_refreshes(register_scope):
    budget = cached_reads.Budget("tests", limit=3, window=3600)
    for number in range(10):
        register_scope.cached(f"v{number}", lambda: "value", timeout=60, budget=budget)
    stored = [number for number in range(10) if cached_reads.slot(f"v{number}", (register_scope,)).fresh]
    assert stored == [0, 1, 2]
    register_scope.replace()
    register_scope.cached("v0", lambda: "new", timeout=60, budget=budget)  # an existing key: no draw on the budget
    assert cached_reads.slot("v0", (register_scope,)).value == "new"


def test_a_cached_read_of_an_unwatched_table_is_refused(register_scope):
    from django.contrib.auth.models import Group

    with pytest.raises(ImproperlyConfigured, match="auth_group"):
        register_scope.cached("groups", lambda: list(Group.objects.all()), timeout=60)
    assert register_scope.cached("bodies", lambda: Organisation.objects.count(), timeout=60) == 0


# --- canonical page parameters -----------------------------------------------------------------------------------

PARAMS = {
    "seite": page_cache.Integer(digits=4),
    "q": page_cache.Text(max_length=5),
    "art": page_cache.Choice(["amt", "kreis"]),
}


@pytest.mark.parametrize(
    ("query", "canonical"),
    [
        ("", ""),
        ("utm_source=x&b=2", ""),
        ("q=&seite=&art=", ""),
        ("seite=2&q=Kiel&art=amt&x=1", "art=amt&q=Kiel&seite=2"),
        ("q=K%C3%B6ln", "q=K%C3%B6ln"),
        ("seite=02", None),
        ("seite=0", None),
        ("seite=12345", None),
        ("seite=1&seite=2", None),
        ("q=+Kiel", None),
        ("q=Kiel123", None),
        ("q=a%00", None),
        ("art=land", None),
    ],
)
def test_canonical_query(query, canonical):
    result = page_cache.canonical_query(QueryDict(query), PARAMS)
    assert (None if result is None else result.urlencode()) == canonical


def test_a_notice_provider_must_name_its_scopes(settings):
    from itvsh_portal.context_processors import notice_scopes

    settings.PORTAL_NOTICE_PROVIDERS = ["tests.portal.test_layout.demo_notices"]
    with pytest.raises(ImproperlyConfigured, match="cache_scopes"):
        notice_scopes()
    settings.PORTAL_NOTICE_PROVIDERS = ["ozg_monitoring.selectors.portal_notices"]
    assert [scope.name for scope in notice_scopes()] == ["ozg"]


# --- the in-process layer ----------------------------------------------------------------------------------------


class Clock:
    """The layer's clock, moved by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch, settings):
    settings.CACHED_READS_LOCAL_SECONDS = 1.0
    fake = Clock()
    monkeypatch.setattr(cached_reads, "_clock", fake)
    cached_reads.forget_local()
    yield fake
    cached_reads.forget_local()


def _set_elsewhere(scope, version):
    """What another process's commit does: a new version in the shared cache only."""
    from django.core.cache import cache

    cache.set(scope.version_key, version, None)


def test_a_version_replaced_in_another_process_is_seen_after_at_most_the_interval(register_scope, clock):
    computed = []

    def compute():
        computed.append(1)
        return len(computed)

    first = register_scope.version()
    assert register_scope.cached("x", compute, timeout=60) == 1
    _set_elsewhere(register_scope, "elsewhere.1")
    clock.now += 0.9
    assert register_scope.version() == first  # remembered: no round trip to the shared cache
    assert register_scope.cached("x", compute, timeout=60) == 1
    clock.now += 0.1
    assert register_scope.version() == "elsewhere.1"
    assert register_scope.cached("x", compute, timeout=60) == 2


def test_a_replace_in_this_process_is_seen_here_at_once(register_scope, clock):
    before = register_scope.version()
    assert register_scope.cached("x", lambda: "old", timeout=60) == "old"
    register_scope.replace()
    assert register_scope.version() != before
    assert register_scope.cached("x", lambda: "new", timeout=60) == "new"


def test_an_entry_stored_by_another_process_is_taken_from_the_shared_cache(register_scope, clock):
    from django.core.cache import cache

    register_scope.cached("x", lambda: "mine", timeout=60)
    version = "elsewhere.2"
    _set_elsewhere(register_scope, version)
    cache.set("cached-reads:x", (f"{register_scope.name}={version}", 10**12, "theirs"), 60)
    clock.now += 1
    assert register_scope.cached("x", lambda: "computed", timeout=60) == "theirs"


def test_an_interval_of_zero_turns_the_layer_off(register_scope, clock, settings):
    settings.CACHED_READS_LOCAL_SECONDS = 0
    register_scope.version()
    _set_elsewhere(register_scope, "elsewhere.3")
    assert register_scope.version() == "elsewhere.3"
    register_scope.cached("x", lambda: "value", timeout=60)
    assert cached_reads._local.size == 0


def test_clearing_the_cache_empties_the_layer(register_scope, clock):
    from django.core.cache import cache

    register_scope.cached("x", lambda: "old", timeout=60)
    assert cached_reads._local.size > 0
    cache.clear()
    assert cached_reads._local.size == 0
    assert register_scope.cached("x", lambda: "new", timeout=60) == "new"


def test_the_layer_holds_at_most_its_bytes_and_drops_the_least_recently_used(register_scope, clock, settings):
    value = "x" * 1000
    entry_bytes = cached_reads._immutable_size((cached_reads.combined_version((register_scope,)), 1.0, value))
    settings.CACHED_READS_LOCAL_BYTES = 5 * entry_bytes + 100
    for number in range(5):
        register_scope.cached(f"k{number}", lambda: value, timeout=60)
    assert register_scope.cached("k0", lambda: "never", timeout=60) == value  # read: now the most recently used
    register_scope.cached("k5", lambda: value, timeout=60)
    assert list(cached_reads._local._entries) == [f"cached-reads:k{number}" for number in (2, 3, 4, 0, 5)]
    for number in range(6, 40):
        register_scope.cached(f"k{number}", lambda: value, timeout=60)
        assert cached_reads._local.size <= settings.CACHED_READS_LOCAL_BYTES
    held = list(cached_reads._local._entries)
    assert held == [f"cached-reads:k{number}" for number in range(35, 40)]
    # An entry larger than the whole bound is never kept, and nothing else is dropped for it.
    register_scope.cached("huge", lambda: "y" * settings.CACHED_READS_LOCAL_BYTES, timeout=60)
    assert list(cached_reads._local._entries) == held


def test_callers_get_their_own_copy(register_scope, clock):
    first = register_scope.cached("x", lambda: {"rows": [1]}, timeout=60)
    first["rows"].append(2)
    assert register_scope.cached("x", lambda: {}, timeout=60) == {"rows": [1]}


def test_the_layer_is_consistent_under_threads(register_scope, clock, settings):
    import threading

    settings.CACHED_READS_LOCAL_BYTES = 20_000
    errors = []

    def work(number):
        try:
            for round_ in range(200):
                key = f"cached-reads:t{(number * 7 + round_) % 40}"
                entry = (f"v{round_ % 3}", 10**12, "z" * (round_ % 500))
                cached_reads._local.keep(key, entry)
                found = cached_reads._local.entry(key, entry[0])
                assert found is None or found[0] == entry[0]
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    held = cached_reads._local._entries.values()
    assert cached_reads._local.size == sum(entry.size for entry in held) <= 20_000


def test_an_expired_entry_is_not_served_from_the_layer(register_scope, clock, monkeypatch):
    register_scope.cached("x", lambda: "old", timeout=60)
    later = cached_reads.time.time() + 61
    monkeypatch.setattr(cached_reads.time, "time", lambda: later)
    assert cached_reads._local.entry("cached-reads:x", cached_reads.combined_version((register_scope,))) is None


def test_versions_carry_the_time_they_were_set():
    version = cached_reads.new_version()
    assert abs(cached_reads.version_time(version) - __import__("time").time()) < 5
    assert cached_reads.version_time("0123abcd" * 4) is None
