"""A parallel test run (pytest-xdist): each worker's Redis database and var/ are its own (itvsh_portal/settings.py)."""

import os

import pytest
from django.conf import settings

from itvsh_portal.settings import _xdist_redis_db


@pytest.mark.parametrize(
    ("url", "worker", "expected"),
    [
        ("redis://127.0.0.1:6379/12", "gw0", "redis://127.0.0.1:6379/12"),
        ("redis://127.0.0.1:6379/12", "gw1", "redis://127.0.0.1:6379/13"),
        ("redis://127.0.0.1:6379", "gw3", "redis://127.0.0.1:6379/3"),
        (
            "redis://:secret@redis.example:6380/2?ssl_cert_reqs=none",
            "gw2",
            "redis://:secret@redis.example:6380/4?ssl_cert_reqs=none",
        ),
        ("rediss://redis.example/0", "gw1", "rediss://redis.example/1"),
        ("locmem://portal", "gw1", "locmem://portal"),
    ],
)
def test_each_worker_gets_the_base_database_plus_its_number(url, worker, expected):
    assert _xdist_redis_db(url, worker) == expected


def test_this_worker_has_a_var_folder_of_its_own():
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        assert settings.XDIST_WORKER == ""
        assert not settings.VAR_DIR.name.startswith("xdist-")
    else:
        assert worker == settings.XDIST_WORKER
        assert settings.VAR_DIR.name == f"xdist-{worker}"
        assert settings.PRIVATE_MEDIA_ROOT.is_relative_to(settings.VAR_DIR) or "PRIVATE_MEDIA_ROOT" in os.environ
