"""Fixtures of the project-wide tests: the small OZG territory, and the data set of the API fuzz tests."""

import collections

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from rest_framework.throttling import SimpleRateThrottle

from tests.ozg_monitoring.conftest import territory  # noqa: F401 - fixture

from .fuzz_data import build_api_data


@pytest.fixture(scope="module")
def wsgi_app():
    """Django's WSGI handler without the per-request connection housekeeping (as Django's test client does it):
    `close_old_connections` would otherwise close the connection that holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def api_data(django_db_setup, django_db_blocker):
    """The fuzz data set (tests/portal/fuzz_data.py), created once in a transaction that is rolled back when the
    module is done; each test runs in a savepoint of its own, so the writes of one test do not leak into the next.
    Returns the token keys by kind."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_api_data()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def no_throttling(settings, monkeypatch):
    """No 429 in a fuzz run: generous rates for every throttle scope. DRF copies the rates into the throttle class
    when it is imported, so the settings override alone would not reach it."""
    rates = collections.defaultdict(lambda: "100000/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
