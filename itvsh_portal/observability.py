"""Structured logs with a request id (docs/BETRIEB.md, "Beobachtung").

- `RequestIdMiddleware` gives every request an id: the `X-Request-ID` a proxy in front sent (letters, digits,
  `.`, `_`, `-`, at most 64), or a new one. It answers with the same header and logs one line per request
  (method, path, status, duration; never the query string, cookies or the client's address).
- `JsonFormatter` writes one JSON object per line, with the request id (and in Celery the task's id and name).
- Tasks queued during a request carry its id in a message header; the worker logs under the same id.
"""

import contextvars
import json
import logging
import re
import time
import traceback
import uuid
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
task_var: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar("celery_task", default=None)

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
request_logger = logging.getLogger("itvsh_portal.request")
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def current_request_id() -> str | None:
    return request_id_var.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """First in MIDDLEWARE: everything after it (and every task it queues) logs under the request's id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = offered if _VALID_REQUEST_ID.match(offered) else new_request_id()
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            if request.path_info in QUIET_PATHS and response.status_code < 400:
                return response  # the platform's probes every few seconds: only their failures are logged
            request_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_id_var.reset(token)


# Attributes every LogRecord has; anything else on a record came through `extra=` and goes into the JSON.
_RECORD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_STAMPED = {"request_id", "task"}  # set by RequestIdFilter, written above


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request id, task, extra fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id and request_id != "-":
            entry["request_id"] = request_id
        task = getattr(record, "task", None) or task_var.get()
        if task:
            entry["task_id"], entry["task"] = task
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES | _STAMPED and key not in entry and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool | type(None)) else str(value)
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        elif record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False)


class RequestIdFilter(logging.Filter):
    """Stamps the request id ("-" outside a request) and the Celery task on each record where it is made."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get() or "-"
        if not getattr(record, "task", None):
            record.task = task_var.get()
        return True


# --- Celery: the request id travels with the task ----------------------------------------------------------------


def _task_request_id(task) -> str | None:
    request = getattr(task, "request", None)
    if request is None:
        return None
    value = getattr(request, "request_id", None) or (getattr(request, "headers", None) or {}).get("request_id")
    return value if isinstance(value, str) and _VALID_REQUEST_ID.match(value) else None


def add_request_id_header(headers=None, **kwargs):
    """before_task_publish: the id of the request (or task) that queues the task goes into its headers."""
    request_id = request_id_var.get()
    if request_id and headers is not None:
        headers.setdefault("request_id", request_id)


_task_tokens: dict[str, list] = {}


def bind_task_context(task_id=None, task=None, **kwargs):
    """task_prerun: logs of the task carry its id, name and the request id it was queued under. A task run
    inline (no broker) keeps the request id of the request that runs it."""
    tokens = [task_var.set((task_id or "", getattr(task, "name", "") or ""))]
    request_id = _task_request_id(task)
    if request_id:
        tokens.append(request_id_var.set(request_id))
    _task_tokens[task_id or ""] = tokens


def unbind_task_context(task_id=None, **kwargs):
    """task_postrun: back to the context before the task (the worker's, or the request's for an inline task)."""
    tokens = _task_tokens.pop(task_id or "", [])
    for token in reversed(tokens):
        token.var.reset(token)


def connect_celery_signals() -> None:
    from celery import signals

    signals.before_task_publish.connect(add_request_id_header, weak=False, dispatch_uid="itvsh-request-id-publish")
    signals.task_prerun.connect(bind_task_context, weak=False, dispatch_uid="itvsh-request-id-prerun")
    signals.task_postrun.connect(unbind_task_context, weak=False, dispatch_uid="itvsh-request-id-postrun")


def init_sentry(dsn: str, *, environment: str = "", release: str = "", traces_sample_rate: float = 0.0) -> bool:
    """Optional error reports to Sentry (or a compatible service such as GlitchTip), only where SENTRY_DSN is set.
    No personal data: no cookies, headers with credentials, request bodies or user names are sent."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate,
    )
    return True
