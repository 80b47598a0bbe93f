"""Fixtures of the audit tests: the OZG territory and plain static files for admin pages."""

import pytest

from audit.models import AuditEntry
from tests.ozg_monitoring.conftest import _plain_static_storage, territory  # noqa: F401


@pytest.fixture
def entries(db):
    """`entries()`: the audit entries so far, oldest first."""
    return lambda **filters: list(AuditEntry.objects.filter(**filters).order_by("id"))
