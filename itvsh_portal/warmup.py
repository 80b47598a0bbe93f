"""What a web worker would otherwise read on its first requests, read once in gunicorn's master
(deploy/gunicorn.conf.py, `preload_app`), so that every forked worker starts with it: the URL conf (imported,
resolved and reversed per language), the translation catalogues and the project's templates (compiled by the
cached loader). It opens no database or cache connection; one opened anyway is closed, so that no worker shares a
connection with the master or its siblings."""

from pathlib import Path

TEMPLATE_SUFFIXES = (".html", ".txt", ".svg", ".xml")


def warm_up() -> dict:
    """Reads the above; returns how many templates it compiled."""
    from django.conf import settings
    from django.core.cache import caches
    from django.db import connections
    from django.template import engines
    from django.urls import get_resolver
    from django.utils import translation

    resolver = get_resolver()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            _populate(resolver)  # the reverse lookups of this language, the namespaces' (api:, ozg_monitoring:) too
            translation.gettext("Startseite")  # loads the catalogue
    resolver.resolve("/")
    compiled = 0
    for engine in engines.all():
        for directory in getattr(engine, "dirs", []):
            root = Path(directory)
            for path in sorted(root.rglob("*")):
                if path.suffix in TEMPLATE_SUFFIXES:
                    engine.get_template(path.relative_to(root).as_posix())
                    compiled += 1
    connections.close_all()
    for cache in caches.all(initialized_only=True):
        cache.close()
    return {"templates": compiled}


def _populate(resolver, prefix: str = "", converters: dict | None = None) -> None:
    """The reverse lookups of a resolver and of every namespace below it, as `reverse("ns:name")` reads them: through
    the resolver Django builds for the namespace's prefix (`get_ns_resolver`), filled on the first reverse of one of
    its names in each language (in a worker's first bulk upsert, `reverse("admin:index")` normalised some 1,300
    patterns: 70-100 ms under the profiler, bench/README.md)."""
    from django.urls.resolvers import get_ns_resolver

    resolver.reverse_dict  # noqa: B018 - populates this resolver's lookups for the active language
    for extra, namespace in resolver.namespace_dict.values():
        pattern, below = prefix + extra, {**(converters or {}), **namespace.pattern.converters}
        if pattern:
            get_ns_resolver(pattern, namespace, tuple(below.items())).reverse_dict  # noqa: B018
        _populate(namespace, pattern, below)
