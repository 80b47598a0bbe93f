"""Fixtures other apps can reuse, e.g. from tests/conftest.py: `from tests.organisations.fixtures import register`."""

import io

import pytest
from django.core.management import call_command

from organisations.models import Organisation


@pytest.fixture
def register(db):
    """The real register of Schleswig-Holstein (shipped Destatis data), imported into the test database.

    Returns the Organisation queryset. Function-scoped: the test's transaction rolls it back. The import uses
    bulk operations and takes about a second on SQLite."""
    call_command("import_register", stdout=io.StringIO())
    return Organisation.objects.all()
