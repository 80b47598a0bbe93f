"""Fixtures of the project-wide tests: the small OZG territory."""

from tests.ozg_monitoring.conftest import territory  # noqa: F401 - fixture
