"""Liveness (/healthz), readiness (/readyz) and the deployment checks of `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from itvsh_portal import checks, views

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _migrations_not_yet_seen(monkeypatch):
    """Each test asks the migration graph anew (a process remembers a positive answer)."""
    monkeypatch.setattr(views, "_migrations_applied", False)


# --- /healthz: liveness ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_answers_without_touching_database_or_cache(client, django_assert_num_queries):
    with (
        mock.patch("itvsh_portal.views._check_database", side_effect=OperationalError("down")) as database,
        mock.patch("itvsh_portal.views.cache") as cache,
        django_assert_num_queries(0),
    ):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    database.assert_not_called()
    assert cache.mock_calls == []
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_on_the_pods_own_address(client, path):
    """Kubernetes probes send the pod's IP as Host, which is never in ALLOWED_HOSTS; pages still refuse it."""
    assert client.get(path, HTTP_HOST="10.42.0.17:8000").status_code == 200
    assert client.get("/kommunen/", HTTP_HOST="10.42.0.17:8000").status_code == 400


@pytest.mark.django_db
def test_probes_are_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/kommunen/").status_code == 301


# --- /readyz: readiness ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_readyz_reports_each_dependency(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert "reasons" not in body
    assert body["dependencies"]["database"] == {"status": "ok"}
    assert body["dependencies"]["cache"] == {"status": "ok"}
    assert body["dependencies"]["migrations"] == {"status": "ok"}
    assert "broker" in body["dependencies"]


@pytest.mark.django_db
def test_readyz_without_broker_reports_tasks_run_inline(client, settings):
    settings.CELERY_BROKER_URL = ""
    body = client.get("/readyz").json()
    assert body["dependencies"]["broker"] == {"status": "nicht konfiguriert (Aufgaben laufen synchron)"}
    assert body["status"] == "ok"


@pytest.mark.django_db
def test_readyz_is_503_when_database_unreachable(client):
    with mock.patch("itvsh_portal.views._check_database", side_effect=OperationalError("down")):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "gestört"
    assert body["dependencies"]["database"] == {"status": "nicht erreichbar", "error": "OperationalError"}
    assert body["dependencies"]["migrations"] == {"status": "nicht geprüft", "error": "ohne Datenbank"}
    assert body["reasons"] == [
        "Datenbank: nicht erreichbar (OperationalError)",
        "Migrationen: nicht geprüft (ohne Datenbank)",
    ]


@pytest.mark.django_db
def test_readyz_is_503_when_cache_unreachable(client):
    with mock.patch("itvsh_portal.views.cache") as cache:
        cache.set.side_effect = RedisConnectionError("refused")
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["dependencies"]["cache"] == {"status": "nicht erreichbar", "error": "ConnectionError"}
    assert body["dependencies"]["database"] == {"status": "ok"}
    assert body["reasons"] == ["Cache: nicht erreichbar (ConnectionError)"]


@pytest.mark.django_db
def test_readyz_is_503_when_cache_loses_what_it_stored(client):
    with mock.patch("itvsh_portal.views.cache") as cache:
        cache.get.return_value = None
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["dependencies"]["cache"] == {
        "status": "fehlerhaft",
        "error": "Der Cache gibt nicht zurück, was gespeichert wurde.",
    }


@pytest.mark.django_db
def test_readyz_is_503_when_broker_unreachable(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    with mock.patch("itvsh_portal.views._check_broker", side_effect=OSError("refused")):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["dependencies"]["broker"] == {"status": "nicht erreichbar", "error": "OSError"}
    assert body["reasons"] == ["Broker: nicht erreichbar (OSError)"]


@pytest.mark.django_db
def test_readyz_is_503_while_a_migration_is_not_applied(client):
    """A new release's pod is not ready before its migrations job has run."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    # the newest migration of the audit trail: the one a new release would bring
    _app, newest = next(node for node in MigrationLoader(connection).graph.leaf_nodes() if node[0] == "audit")
    MigrationRecorder.Migration.objects.filter(app="audit", name=newest).delete()
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["dependencies"]["migrations"] == {
        "status": "fehlerhaft",
        "error": f"1 Migration ist nicht angewendet: audit.{newest}",
    }
    assert body["reasons"] == [f"Migrationen: fehlerhaft (1 Migration ist nicht angewendet: audit.{newest})"]


@pytest.mark.django_db
def test_readyz_remembers_applied_migrations_and_then_costs_one_query(client, django_assert_num_queries):
    client.get("/readyz")
    assert views._migrations_applied is True
    with django_assert_num_queries(1):  # SELECT 1; the cache is not the database
        assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_readiness_can_leave_out_the_cache(client, settings):
    """READINESS_REQUIRED without "cache": pages keep being served from the database while Redis is away."""
    settings.READINESS_REQUIRED = ["database", "broker", "migrations"]
    with mock.patch("itvsh_portal.views.cache") as cache:
        cache.set.side_effect = RedisConnectionError("refused")
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["dependencies"]["cache"]["status"] == "nicht erreichbar"


# --- check --deploy ----------------------------------------------------------------------------------------------

OPERATOR_FACTS = {
    "PORTAL_OPERATOR_ADDRESS": "Musterstraße 1, 24103 Kiel",
    "PORTAL_OPERATOR_REPRESENTATIVE": "Erika Mustermann (Vorstand)",
    "PORTAL_OPERATOR_BOARD_CHAIR": "Max Mustermann",
    "PORTAL_SUPERVISORY_AUTHORITY": "Musterbehörde, Musterweg 2, 24105 Kiel",
    "PORTAL_CONTACT_EMAIL": "kontakt@itvsh.example",
    "PORTAL_CONTACT_PHONE": "+49 431 000000",
    "PORTAL_CONTENT_RESPONSIBLE": "Erika Mustermann",
    "PORTAL_DATA_PROTECTION_OFFICER": "Datenschutz Muster, datenschutz@itvsh.example",
    "PORTAL_LOG_RETENTION": "14 Tagen",
    "PORTAL_HOSTING_PROVIDER": "Rechenzentrum Muster",
}


def _check_deploy(tmp_path, **extra):
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "x7$kq!9v" * 8,
        "ALLOWED_HOSTS": "portal.itvsh.de",
        "HTTPS": "true",
        "VAR_DIR": str(tmp_path),
        # a shared cache, as production has (check_shared_cache); check --deploy does not connect to it
        "CACHE_URL": os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/1",
        **extra,
    }
    for name in checks.OPERATOR_FACTS:
        if name not in extra:
            env.pop(name, None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests in this process, never in deployment
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_values(tmp_path):
    result = _check_deploy(tmp_path, **OPERATOR_FACTS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_while_an_operator_fact_is_missing(tmp_path):
    facts = {**OPERATOR_FACTS}
    del facts["PORTAL_DATA_PROTECTION_OFFICER"]
    result = _check_deploy(tmp_path, **facts)
    assert result.returncode == 1
    assert "itvsh.E001" in result.stderr
    assert "PORTAL_DATA_PROTECTION_OFFICER ist nicht gesetzt" in result.stderr
    assert result.stderr.count("itvsh.E001") == 1


def test_operator_facts_check_names_every_missing_fact(settings):
    for name in checks.OPERATOR_FACTS:
        setattr(settings, name, "")
    settings.PORTAL_CONTACT_EMAIL = "kontakt@itvsh.example"
    errors = checks.check_operator_facts()
    assert [error.id for error in errors] == ["itvsh.E001"] * (len(checks.OPERATOR_FACTS) - 1)
    assert not any("PORTAL_CONTACT_EMAIL" in error.msg for error in errors)
    assert "PORTAL_VAT_ID" not in checks.OPERATOR_FACTS  # optional: not every operator has one


def test_check_deploy_warns_about_a_cache_of_the_process(tmp_path):
    result = _check_deploy(tmp_path, **OPERATOR_FACTS, CACHE_URL="locmemcache://")
    assert result.returncode == 1
    assert "itvsh.W001" in result.stderr and "REDIS_URL oder CACHE_URL setzen" in result.stderr
