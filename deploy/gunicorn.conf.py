"""gunicorn settings of the image (deploy/entrypoint.sh `web`). Each can be changed through the environment."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Scale with replicas first; a few workers per container use its cores (docs/BETRIEB.md, "Skalierung").
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("WEB_THREADS", "1"))
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 25  # below Kubernetes' terminationGracePeriodSeconds (30)
keepalive = 5
# A worker is replaced after this many requests (a guard against slow leaks). Each replacement imports the portal
# again (about a second of CPU) and starts with empty process caches: at 2,000 the benchmark's floor reached 1,744
# req/s with a p99 of 748 ms (requests waiting for a new worker), at 20,000 it reached 2,736 req/s with a p99 of
# 4.4 ms (bench/README.md, "Worker recycling").
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "20000"))
max_requests_jitter = 2000
# The heartbeat files in memory, not on a (possibly read-only) disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 - a private tmpfs per container
# One JSON line per request comes from the portal itself (with the request id); gunicorn's own access log is off.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "itvsh_portal.observability.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
    },
}
# The web processes' headers: behind a proxy, the portal reads X-Forwarded-* itself (NUM_PROXIES, HTTPS).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def child_exit(server, worker):
    """A finished worker's live metrics (gauges) leave the shared folder (prometheus_client multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
