"""Fixtures of the cooperations tests: the real register (`register`) and small factory-built worlds."""

from tests.organisations.fixtures import register  # noqa: F401 - fixture
