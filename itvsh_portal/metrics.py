"""Prometheus metrics (docs/BETRIEB.md, "Beobachtung").

django-prometheus counts requests and latency (its two middlewares) and database queries (its database backends);
cache hits and misses go into its counters through `MeteredRedisCache` and `MeteredLocMemCache` below. This module
adds the Celery tasks (counted in the worker, by signals), the import jobs (read from the database at each scrape) and
link-check results (for the link checker to count).

The endpoint `/metrics` (and a worker's METRICS_WORKER_PORT) answers only a request with
`Authorization: Bearer <METRICS_TOKEN>` or from an address in METRICS_ALLOWED_NETWORKS; with neither set it is
off (404). Several processes (gunicorn workers, Celery's pool) share their counts through PROMETHEUS_MULTIPROC_DIR.
"""

import hmac
import ipaddress
import logging
import os
import threading
import time

import prometheus_client
from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.db.models import Count
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django_prometheus.cache.metrics import (
    django_cache_get_total,
    django_cache_hits_total,
    django_cache_misses_total,
)
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

CELERY_TASKS = Counter("itvsh_celery_tasks_total", "Celery tasks finished, by task and state", ["task", "state"])
CELERY_TASK_SECONDS = Histogram(
    "itvsh_celery_task_duration_seconds",
    "Run time of Celery tasks",
    ["task"],
    buckets=(0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, float("inf")),
)
# The link checker (not built yet) counts each checked link here: result is "ok", "broken" or "unreachable".
LINK_CHECKS = Counter("itvsh_link_checks_total", "Links of online services checked, by result", ["result"])


def record_link_check(result: str) -> None:
    LINK_CHECKS.labels(result=result).inc()


class _MeteredGet:
    """Counts each get as hit or miss in django-prometheus' cache counters. Unlike its own classes, a cached falsy
    value (False, 0, "") is a hit and is returned as it is."""

    metrics_label = ""
    _missing = object()

    def get(self, key, default=None, version=None):
        django_cache_get_total.labels(backend=self.metrics_label).inc()
        value = super().get(key, self._missing, version)
        if value is self._missing:
            django_cache_misses_total.labels(backend=self.metrics_label).inc()
            return default
        django_cache_hits_total.labels(backend=self.metrics_label).inc()
        return value

    def clear(self):
        """Empties the cache and this process's in-process layer of the cached reads (common/cached_reads.py), so
        that the next read after a clear is computed anew here too."""
        from common.cached_reads import forget_local

        super().clear()
        forget_local()


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client builds a new `redis.Redis` for every operation (with its table of some 170
    response callbacks: about 0.1 ms, half a round trip to Redis on loopback, bench/README.md); this one keeps one
    per connection pool. A `redis.Redis` is safe to share between threads; Django's cache backends are per thread
    anyway."""

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))  # the pools live as long as this client (Django keeps them in _pools)
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


class MeteredRedisCache(_MeteredGet, RedisCache):
    metrics_label = "redis"

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient


class MeteredLocMemCache(_MeteredGet, LocMemCache):
    metrics_label = "locmem"


class ImportJobCollector:
    """`itvsh_import_jobs{state}`: the OZG status imports by state, counted in the database at each scrape."""

    def collect(self):
        from django.apps import apps

        family = GaugeMetricFamily("itvsh_import_jobs", "OZG status import jobs by state", labels=["state"])
        try:
            ImportJob = apps.get_model("ozg_monitoring", "ImportJob")
            counts = dict.fromkeys(ImportJob.State.values, 0)
            for row in ImportJob.objects.values("state").order_by().annotate(n=Count("id")):
                counts[row["state"]] = row["n"]
        except Exception as exc:  # noqa: BLE001 - a scrape never fails because the database is away
            logger.warning("metrics: import jobs not counted: %s", exc.__class__.__name__)
            return
        for state, n in sorted(counts.items()):
            family.add_metric([state], n)
        yield family


# --- Who may read the metrics --------------------------------------------------------------------------------


def _allowed_networks() -> list:
    return [ipaddress.ip_network(net, strict=False) for net in getattr(settings, "METRICS_ALLOWED_NETWORKS", [])]


def access(remote_addr: str | None, authorization: str | None) -> int:
    """200 when the caller may read the metrics, 403 when not, 404 when the endpoint is off."""
    token = getattr(settings, "METRICS_TOKEN", "")
    networks = _allowed_networks()
    if not token and not networks:
        return 404
    if token and authorization:
        scheme, _sep, offered = authorization.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(offered.strip().encode(), token.encode()):
            return 200
    if networks and remote_addr:
        try:
            address = ipaddress.ip_address(remote_addr)
        except ValueError:
            return 403
        if any(address in net for net in networks):
            return 200
    return 403


def exposition(*, with_database: bool) -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        output = prometheus_client.generate_latest(registry)
    else:
        output = prometheus_client.generate_latest(prometheus_client.REGISTRY)
    if with_database:
        database = CollectorRegistry()
        database.register(ImportJobCollector())
        output += prometheus_client.generate_latest(database)
    return output


def metrics_view(request):
    status = access(request.META.get("REMOTE_ADDR"), request.headers.get("Authorization"))
    if status == 404:
        return JsonResponse({"detail": _("Nicht gefunden.")}, status=404)
    if status != 200:
        return JsonResponse({"detail": _("Keine Berechtigung für die Metriken.")}, status=403)
    return HttpResponse(exposition(with_database=True), content_type=prometheus_client.CONTENT_TYPE_LATEST)


# --- Celery ------------------------------------------------------------------------------------------------------

_started: dict[str, float] = {}


def _task_started(task_id=None, **kwargs):
    _started[task_id or ""] = time.perf_counter()


def _task_finished(task_id=None, task=None, state=None, **kwargs):
    name = getattr(task, "name", "") or "unknown"
    started = _started.pop(task_id or "", None)
    if started is not None:
        CELERY_TASK_SECONDS.labels(task=name).observe(time.perf_counter() - started)
    CELERY_TASKS.labels(task=name, state=(state or "UNKNOWN").lower()).inc()


def _serve_worker_metrics(sender=None, **kwargs):
    """worker_ready: a small HTTP server in the worker's main process on METRICS_WORKER_PORT (same access rule)."""
    port = getattr(settings, "METRICS_WORKER_PORT", 0)
    if not port:
        return
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    def app(environ, start_response):
        status = access(environ.get("REMOTE_ADDR"), environ.get("HTTP_AUTHORIZATION"))
        if environ.get("PATH_INFO") != "/metrics":
            status = 404
        if status != 200:
            reason = "Not Found" if status == 404 else "Forbidden"
            start_response(f"{status} {reason}", [("Content-Type", "text/plain")])
            return [b""]
        start_response("200 OK", [("Content-Type", prometheus_client.CONTENT_TYPE_LATEST)])
        return [exposition(with_database=False)]

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
            pass

    server = make_server("0.0.0.0", int(port), app, handler_class=QuietHandler)  # noqa: S104 - in the pod network
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    logger.info("metrics: worker metrics on port %s", port)
    return server


def connect_celery_signals() -> None:
    from celery import signals

    signals.task_prerun.connect(_task_started, weak=False, dispatch_uid="itvsh-metrics-prerun")
    signals.task_postrun.connect(_task_finished, weak=False, dispatch_uid="itvsh-metrics-postrun")
    signals.worker_ready.connect(_serve_worker_metrics, weak=False, dispatch_uid="itvsh-metrics-worker")
