"""Request ids, JSON logs, the request id in Celery tasks, Prometheus metrics and the optional Sentry set-up."""

import json
import logging
import re
from types import SimpleNamespace
from unittest import mock

import prometheus_client
import pytest
from django.core.cache import cache

from itvsh_portal import metrics, observability
from itvsh_portal.celery import app as celery_app


@celery_app.task(name="tests.portal.echo_request_id")
def echo_request_id():
    logging.getLogger("tests.portal").info("in the task")
    return observability.current_request_id()


@pytest.fixture
def json_log(caplog):
    """The JSON lines the portal's formatter writes for the captured records."""
    formatter = observability.JsonFormatter()
    caplog.set_level(logging.INFO)
    return lambda: [json.loads(formatter.format(record)) for record in caplog.records]


# --- Request ids and logs ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_answer_carries_a_new_request_id(client):
    first = client.get("/impressum/")["X-Request-ID"]
    second = client.get("/impressum/")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


@pytest.mark.django_db
def test_request_id_of_the_proxy_is_kept_and_a_malformed_one_replaced(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="proxy-4711.a_b")["X-Request-ID"] == "proxy-4711.a_b"
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="evil\nid with spaces")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", replaced)
    assert client.get("/healthz", HTTP_X_REQUEST_ID="x" * 65)["X-Request-ID"] != "x" * 65


@pytest.mark.django_db
def test_one_json_line_per_request_with_id_status_and_duration_but_no_query(client, json_log):
    response = client.get("/impressum/?q=Geheim", HTTP_X_REQUEST_ID="req-1")
    lines = [line for line in json_log() if line["logger"] == "itvsh_portal.request"]
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == "req-1"
    assert line["method"] == "GET"
    assert line["path"] == "/impressum/"
    assert line["status"] == response.status_code == 200
    assert isinstance(line["duration_ms"], float)
    assert "Geheim" not in json.dumps(line)
    assert line["level"] == "INFO"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])


@pytest.mark.django_db
def test_probes_are_logged_only_when_they_fail(client, json_log):
    client.get("/healthz")
    client.get("/readyz")
    assert not [line for line in json_log() if line["logger"] == "itvsh_portal.request"]


def test_json_formatter_writes_extra_fields_and_the_exception():
    formatter = observability.JsonFormatter()
    try:
        raise ValueError("kaputt")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "Fehler %s", ("A",), exc_info=True)
        import sys

        record.exc_info = sys.exc_info()
    record.count = 3
    record.thing = object()
    line = json.loads(formatter.format(record))
    assert line["message"] == "Fehler A"
    assert line["count"] == 3
    assert line["thing"].startswith("<object object")
    assert "ValueError: kaputt" in line["exception"]
    assert "request_id" not in line
    record.request_id, record.task = "-", None  # as RequestIdFilter stamps a record outside a request and task
    line = json.loads(formatter.format(record))
    assert "request_id" not in line and "task" not in line


# --- The request id reaches Celery tasks -------------------------------------------------------------------------


def test_queued_task_carries_the_request_id_in_its_headers():
    token = observability.request_id_var.set("req-42")
    try:
        headers = {}
        observability.add_request_id_header(headers=headers)
    finally:
        observability.request_id_var.reset(token)
    assert headers == {"request_id": "req-42"}
    untouched = {}
    observability.add_request_id_header(headers=untouched)
    assert untouched == {}


def test_worker_logs_a_task_under_the_request_id_it_was_queued_with(json_log):
    """As in the worker: the message's headers reach task.request; the task's logs carry id, task and request."""
    result = echo_request_id.apply(headers={"request_id": "req-from-web"}, task_id="task-1")
    assert result.get() == "req-from-web"
    line = next(line for line in json_log() if line["message"] == "in the task")
    assert line["request_id"] == "req-from-web"
    assert line["task_id"] == "task-1"
    assert line["task"] == "tests.portal.echo_request_id"
    assert observability.current_request_id() is None  # unbound after the task


def test_task_run_inline_keeps_the_request_id_of_the_request():
    token = observability.request_id_var.set("req-inline")
    try:
        assert echo_request_id.delay().get() == "req-inline"
        assert observability.current_request_id() == "req-inline"
    finally:
        observability.request_id_var.reset(token)


def test_malformed_request_id_in_a_message_is_ignored():
    task = SimpleNamespace(name="t", request=SimpleNamespace(headers={"request_id": "a b\n"}))
    assert observability._task_request_id(task) is None


# --- Prometheus ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_metrics_are_off_without_token_or_network(client):
    assert client.get("/metrics").status_code == 404


@pytest.mark.django_db
def test_metrics_need_the_token(client, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.django_db
def test_metrics_from_an_allowed_network_only(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert client.get("/metrics").status_code == 403  # the test client comes from 127.0.0.1
    settings.METRICS_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 403


def _sample(name, labels=None):
    return prometheus_client.REGISTRY.get_sample_value(name, labels or {}) or 0.0


def _queries():
    return sum(_sample("django_db_execute_total", {"alias": "default", "vendor": v}) for v in ("sqlite", "postgresql"))


@pytest.mark.django_db
def test_metrics_count_requests_queries_cache_hits_and_import_jobs(client, settings):
    from ozg_monitoring.models import ImportJob

    settings.METRICS_TOKEN = "t"
    for state in ("failed", "done", "done"):
        ImportJob.objects.create(file="ozg_imports/x.csv", state=state)
    backend = "redis" if "Redis" in settings.CACHES["default"]["BACKEND"] else "locmem"
    requests_before = _sample(
        "django_http_requests_total_by_view_transport_method_total",
        {"view": "impressum", "transport": "http", "method": "GET"},
    )
    hits_before = _sample("django_cache_get_hits_total", {"backend": backend})
    misses_before = _sample("django_cache_get_misses_total", {"backend": backend})
    queries_before = _queries()
    client.get("/impressum/")
    cache.set("metrics-test", 1)
    cache.get("metrics-test")
    cache.get("metrics-test-missing")
    text = client.get("/metrics", HTTP_AUTHORIZATION="Bearer t").content.decode()
    assert (
        _sample(
            "django_http_requests_total_by_view_transport_method_total",
            {"view": "impressum", "transport": "http", "method": "GET"},
        )
        == requests_before + 1
    )
    assert _sample("django_cache_get_hits_total", {"backend": backend}) >= hits_before + 1
    assert _sample("django_cache_get_misses_total", {"backend": backend}) >= misses_before + 1
    assert _queries() > queries_before
    assert 'itvsh_import_jobs{state="done"} 2.0' in text
    assert 'itvsh_import_jobs{state="failed"} 1.0' in text
    assert 'itvsh_import_jobs{state="pending"} 0.0' in text
    assert "django_http_requests_latency_seconds_by_view_method" in text


def test_a_cached_falsy_value_is_a_hit_and_comes_back_as_it_is(settings):
    backend = "redis" if "Redis" in settings.CACHES["default"]["BACKEND"] else "locmem"
    cache.set("metrics-false", False)
    hits = _sample("django_cache_get_hits_total", {"backend": backend})
    assert cache.get("metrics-false", "default") is False
    assert cache.get("metrics-nothing", "default") == "default"
    assert _sample("django_cache_get_hits_total", {"backend": backend}) == hits + 1


def test_celery_tasks_are_counted_by_name_and_state():
    labels = {"task": "tests.portal.echo_request_id", "state": "success"}
    before = _sample("itvsh_celery_tasks_total", labels)
    echo_request_id.apply()
    assert _sample("itvsh_celery_tasks_total", labels) == before + 1
    assert _sample("itvsh_celery_task_duration_seconds_count", {"task": "tests.portal.echo_request_id"}) >= 1


def test_link_check_results_are_counted():
    before = _sample("itvsh_link_checks_total", {"result": "broken"})
    metrics.record_link_check("broken")
    assert _sample("itvsh_link_checks_total", {"result": "broken"}) == before + 1


def test_worker_serves_its_metrics_on_its_port_with_the_token(settings):
    import socket
    import urllib.error
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.METRICS_WORKER_PORT = port
    settings.METRICS_TOKEN = "worker-token"
    echo_request_id.apply()
    server = metrics._serve_worker_metrics()
    try:
        url = f"http://127.0.0.1:{port}/metrics"
        request = urllib.request.Request(url, headers={"Authorization": "Bearer worker-token"})
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - our own server on loopback
            text = response.read().decode()
        assert 'itvsh_celery_tasks_total{state="success",task="tests.portal.echo_request_id"}' in text
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=5)  # noqa: S310
        assert refused.value.code == 403
    finally:
        server.shutdown()
        server.server_close()


def test_worker_metrics_follow_the_same_access_rule(settings):
    settings.METRICS_TOKEN = "t"
    settings.METRICS_ALLOWED_NETWORKS = []
    assert metrics.access("10.0.0.1", "Bearer t") == 200
    assert metrics.access("10.0.0.1", "Bearer x") == 403
    assert metrics.access("10.0.0.1", None) == 403
    settings.METRICS_TOKEN = ""
    assert metrics.access("10.0.0.1", "Bearer t") == 404


# --- Sentry ----------------------------------------------------------------------------------------------------------


def test_sentry_is_off_without_dsn():
    with mock.patch("sentry_sdk.init") as init:
        assert observability.init_sentry("") is False
    init.assert_not_called()


def test_sentry_sends_no_personal_data():
    with mock.patch("sentry_sdk.init") as init:
        assert observability.init_sentry("https://key@sentry.example/1", environment="produktion") is True
    options = init.call_args.kwargs
    assert options["dsn"] == "https://key@sentry.example/1"
    assert options["environment"] == "produktion"
    assert options["send_default_pii"] is False
    assert options["max_request_body_size"] == "never"
    assert options["traces_sample_rate"] == 0.0
