"""The API throttles hold under parallel requests: on Redis, as in production, many requests from one address
arrive at once through a threaded server (pytest-django's live server), and exactly the rate passes.

DRF's own rate throttles read a client's history, append to it and write it back: parallel requests read the same
history and each lets itself through. The portal's throttles (common/throttling.py) count with one atomic
INCR per request. The clock of the throttles is held in the middle of a window, so that no run straddles two.
Needs REDIS_URL (or CACHE_URL) pointing at Redis; on the local-memory cache the tests are skipped with a notice.
"""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.conf import settings
from django.test import override_settings

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.portal.throttle_urls")]

PARALLEL = 40  # requests in flight at once
SENT = 200  # requests sent in all, from one address
ANON_RATE = 120  # per minute: the portal's default for anonymous clients


@pytest.fixture(autouse=True)
def _redis_only():
    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        pytest.skip("Redis only: set REDIS_URL (or CACHE_URL) to run the throttle tests under parallel load")


@pytest.fixture
def frozen_window(monkeypatch):
    """The throttles' clock in the middle of a minute (and of an hour): one window for the whole run."""
    from common import throttling

    monkeypatch.setattr(throttling, "_now", lambda: 1_800_000_030.0)


def _fire(url: str, *, headers=None, sent=SENT, parallel=PARALLEL) -> Counter:
    """`sent` GETs, `parallel` at a time, released together; returns the count of each status code."""
    start = threading.Barrier(parallel)

    def one(index):
        if index < parallel:
            start.wait()
        with requests.Session() as session:
            return session.get(url, headers=headers or {}, timeout=30).status_code

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        return Counter(pool.map(one, range(sent)))


def _rates(**rates):
    return override_settings(
        REST_FRAMEWORK={
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
        }
    )


def test_the_anonymous_limit_holds_under_parallel_requests(live_server, frozen_window):
    with _rates(anon=f"{ANON_RATE}/min"):
        codes = _fire(f"{live_server.url}/api/v1/ping/")
    print(f"\nanonymous: {SENT} sent, {PARALLEL} in parallel, rate {ANON_RATE}/min: {dict(codes)}")
    assert codes == Counter({200: ANON_RATE, 429: SENT - ANON_RATE})


def test_failed_token_authentications_hold_their_limit_under_parallel_requests(live_server, frozen_window):
    """Wrong tokens in parallel: exactly the limit of them is answered 401 (and looked up); all the others 429."""
    limit = 20
    with _rates(auth_failure=f"{limit}/min", anon="100000/min"):
        codes = _fire(f"{live_server.url}/api/v1/ping/", headers={"Authorization": "Token " + "x" * 40}, sent=120)
        retry = requests.get(
            f"{live_server.url}/api/v1/ping/", headers={"Authorization": "Token " + "y" * 40}, timeout=30
        )
    print(f"\nwrong tokens: 120 sent, {PARALLEL} in parallel, limit {limit}/min: {dict(codes)}")
    assert codes == Counter({401: limit, 429: 120 - limit})
    assert retry.status_code == 429 and int(retry.headers["Retry-After"]) == 30


def test_the_user_limit_holds_under_parallel_requests(live_server, frozen_window):
    from django.utils import timezone

    from accounts.models import ApiToken
    from accounts.services import api_token_create
    from common.authorization import system_actor
    from tests.accounts.factories import UserFactory

    token, key = api_token_create(user=UserFactory(), name="Fachverfahren", scope="read", by=system_actor())
    # Used a moment ago: no request of the run writes last_used_at (only reads reach the database, which the
    # in-memory SQLite shared with the live server's threads takes in parallel).
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    with _rates(user="50/min"):
        codes = _fire(f"{live_server.url}/api/v1/ping/", headers={"Authorization": f"Token {key}"}, sent=100)
    print(f"\ntoken: 100 sent, {PARALLEL} in parallel, rate 50/min: {dict(codes)}")
    assert codes == Counter({200: 50, 429: 50})
