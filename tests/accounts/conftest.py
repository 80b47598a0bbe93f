"""Fixtures of the accounts tests."""

import pytest


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Admin pages render `{% static %}`; the project's manifest storage raises for files that were never
    collected (no collectstatic in tests), so these tests use the plain storage. See the report's integration
    request: the project storage could fall back by itself."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
