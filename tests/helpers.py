"""Helpers shared by test folders."""

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache


def cache_entries() -> int:
    """The number of entries in the default cache: locmem's, or the Redis keys under the cache's key prefix (the
    suite runs on Redis where REDIS_URL is set)."""
    backend = caches["default"]
    if isinstance(backend, LocMemCache):
        return len(backend._cache)
    client = backend._cache.get_client(None, write=False)
    return sum(1 for _key in client.scan_iter(match=backend.make_key("*"), count=1000))
