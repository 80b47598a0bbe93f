"""Fixtures of the register's tests. The factories are in factories.py, the `register` fixture in fixtures.py."""

from .fixtures import register  # noqa: F401 - fixture
