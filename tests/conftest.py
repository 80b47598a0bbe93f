"""Fixtures shared by every test folder."""

import pytest
from django.core.cache import cache

from itvsh_portal.celery import app as celery_app


@pytest.fixture(autouse=True)
def _clean_cache():
    """Every test starts with an empty cache: on CI the cache is a shared Redis. Ends with Django's content-type
    cache emptied too."""
    cache.clear()
    yield
    cache.clear()
    # Django keeps content types in a process-wide cache. A test that creates them inside its transaction (the
    # staff-groups migration run by a test) leaves ids behind that the rollback removed; the audit trail would
    # then point at a content type that no longer exists.
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


@pytest.fixture(autouse=True, scope="session")
def _static_from_finders(tmp_path_factory):
    """The suite runs without collectstatic: the finders serve the plain files (production serves only the collected,
    hashed ones: itvsh_portal/settings.py). STATIC_ROOT is an empty folder of the session's, so that files a
    `make run` collected into var/static change no test."""
    from django.conf import settings
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.files.storage import storages
    from django.utils.functional import empty

    previous = settings.STATIC_ROOT, settings.WHITENOISE_USE_FINDERS
    settings.STATIC_ROOT = tmp_path_factory.mktemp("static")
    settings.WHITENOISE_USE_FINDERS = True
    storages._storages = {}
    staticfiles_storage._wrapped = empty
    yield
    settings.STATIC_ROOT, settings.WHITENOISE_USE_FINDERS = previous
    storages._storages = {}
    staticfiles_storage._wrapped = empty


@pytest.fixture(autouse=True, scope="session")
def _verify_cached_reads():
    """Every cached value computed in a test checks that its scope watches every table it reads
    (common/cached_reads.py): a new cached read that forgets a dependency fails the suite."""
    from django.conf import settings

    previous = getattr(settings, "CACHED_READS_VERIFY", False)
    settings.CACHED_READS_VERIFY = True
    yield
    settings.CACHED_READS_VERIFY = previous


@pytest.fixture(autouse=True, scope="session")
def _celery_eager():
    """Tasks run inline in tests, also where CELERY_BROKER_URL points at Redis (CI). A test that needs a real
    worker starts one itself against the broker."""
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


#: Where tests may send HTTP requests: their own servers on this machine, nothing else (common/outbound.py).
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1"]
#: The federal client's base URL in tests: a name that never resolves (RFC 6761), in case a test forgets its own.
FEDERAL_DASHBOARD_TEST_URL = "http://bundes-dashboard.invalid/api/"


@pytest.fixture(autouse=True, scope="session")
def _no_outside_hosts():
    """No test contacts another machine: the federal client points nowhere, outbound HTTP goes to loopback only,
    the link checker is off and allow-lists nothing (a test that checks links turns it on for its own servers)."""
    from django.conf import settings

    names = ["FEDERAL_DASHBOARD_URL", "OUTBOUND_HTTP_ALLOWED_HOSTS", "LINKCHECK_ENABLED", "LINKCHECK_ALLOWED_HOSTS"]
    previous = {name: getattr(settings, name, None) for name in names}
    settings.FEDERAL_DASHBOARD_URL = FEDERAL_DASHBOARD_TEST_URL
    settings.OUTBOUND_HTTP_ALLOWED_HOSTS = LOOPBACK_HOSTS
    settings.LINKCHECK_ENABLED = False
    settings.LINKCHECK_ALLOWED_HOSTS = []
    yield
    for name, value in previous.items():
        setattr(settings, name, value)


@pytest.fixture(autouse=True)
def _opendata_root(settings, tmp_path):
    """Snapshot files that a test publishes (e.g. through the monthly job) go to a folder of the test."""
    settings.OPENDATA_ROOT = tmp_path / "opendata"


@pytest.fixture
def plain_static_storage(settings):
    """Admin pages render `{% static %}`; without collectstatic the manifest storage would raise."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def warm_notices(db):
    """Asks the notice providers of the layout once, so that their cached answer (e.g. "demo data present?") is
    not counted in a page's pinned query count: the first page view after a write costs that one query more."""
    from itvsh_portal.context_processors import _notices

    _notices(None)


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's admin_client, past the second factor (the admin opens only for verified sessions)."""
    from tests.accounts.helpers import verified_client_login

    return verified_client_login(client, admin_user)


@pytest.fixture
def verified_login(db):
    """`verified_login(client, user)`: log a staff user in past the second factor; returns the client."""
    from tests.accounts.helpers import verified_client_login

    return verified_client_login


# The real register of Schleswig-Holstein, imported from data/gebiete (about 1.5 s): `def test_x(register): ...`
from tests.organisations.fixtures import register  # noqa: E402, F401


@pytest.fixture(autouse=True, scope="session")
def _reads_from_the_primary():
    """The suite reads from the primary, also where DATABASE_REPLICA_URL is set (CI): the replica alias is a test
    mirror of it (itvsh_portal/settings.py), and a test transaction's rows are not visible through another connection.
    tests/portal/test_replica.py turns the routing on for its transactional tests."""
    from django.conf import settings

    previous = settings.READ_REPLICA_ENABLED
    settings.READ_REPLICA_ENABLED = False
    yield
    settings.READ_REPLICA_ENABLED = previous
