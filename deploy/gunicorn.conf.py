"""gunicorn settings of the image (deploy/entrypoint.sh `web`). Each can be changed through the environment."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Scale with replicas first; a few workers per container use its cores (docs/BETRIEB.md, "Skalierung").
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("WEB_THREADS", "1"))
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 25  # below Kubernetes' terminationGracePeriodSeconds (30)
keepalive = 5
# A worker is replaced after this many requests (a guard against slow leaks).
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "20000"))
max_requests_jitter = 2000
# The master loads the portal once (Django set up, URL conf, translations and templates read: `when_ready`) and
# forks its workers from it: a replaced worker answers at once and the workers share that memory. Without it each
# replacement imported the portal again (about a second of CPU) while its connections waited: the benchmark's
# dashboard had a p99 of 930-1,370 ms at 20,000 requests per worker, against 5-11 ms with no replacement
# (bench/README.md, "Worker recycling"). WEB_PRELOAD=0 turns it off. The master opens no database or cache
# connection (`when_ready` closes any, so that no worker inherits one).
preload_app = os.environ.get("WEB_PRELOAD", "1") != "0"
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


def when_ready(server):
    """With `preload_app`: reads in the master what every worker would read on its first requests, so that a new
    worker starts with it (copy-on-write)."""
    if not server.cfg.preload_app:
        return
    import gc

    from itvsh_portal.warmup import warm_up

    warm_up()
    # What the master read is kept for good: moved out of the collector's generations (gc.freeze, as the Python
    # documentation advises before fork), so that a worker's first full collection neither walks it (140-150 ms
    # in the first bulk upsert of a worker, bench/README.md) nor writes to its memory pages (copy-on-write).
    gc.collect()
    gc.freeze()
