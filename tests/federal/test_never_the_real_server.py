"""Tests, `make run` and CI never call the real federal server nor any other outside host.

- In tests: FEDERAL_DASHBOARD_URL names a host that never resolves, outbound HTTP is allowed to loopback only
  (tests/conftest.py), and the clients refuse anything else before they open a socket.
- `make run` and `make data` load data and start the development server: no sync, no Celery beat. CI (.ci/run) runs
  the suite, `make data`, the benchmark and the image checks: no sync, no beat. The link checker is off unless
  LINKCHECK_ENABLED is set, which none of them sets.
"""

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from common.outbound import OutboundRefused, host_in, require_outbound_allowed
from federal.client import DEFAULT_URL, FederalClient

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_sockets(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"a network operation was attempted: {args[:2]}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_the_test_settings_point_nowhere():
    host = re.match(r"https?://([^/:]+)", settings.FEDERAL_DASHBOARD_URL).group(1)
    assert host.endswith(".invalid")  # RFC 6761: never resolves
    assert settings.OUTBOUND_HTTP_ALLOWED_HOSTS == ["127.0.0.1", "localhost", "::1"]
    assert settings.LINKCHECK_ENABLED is False and settings.LINKCHECK_ALLOWED_HOSTS == []


def test_the_client_refuses_the_real_server_before_any_network_operation(no_sockets):
    client = FederalClient(DEFAULT_URL, retries=0)
    with pytest.raises(OutboundRefused) as caught:
        client.get("v1/ars", {"page": 0, "size": 1})
    assert caught.value.message == (
        "Ausgehende Anfragen an digitale-verwaltung.api.proxy.bund.dev:443 sind hier nicht erlaubt "
        "(OUTBOUND_HTTP_ALLOWED_HOSTS)."
    )
    assert client.requests == 0


@pytest.mark.django_db
def test_a_sync_a_test_forgot_to_point_at_its_server_is_refused(no_sockets):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from federal.models import FederalRecordSet

    with pytest.raises(CommandError, match="bundes-dashboard.invalid:80 sind hier nicht erlaubt"):
        call_command("sync_federal_dashboard", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert FederalRecordSet.objects.get().status == FederalRecordSet.Status.FAILED


def test_the_defaults_without_environment():
    """What `make run` and CI get: the spec's server as base URL (called by nothing there), no outbound restriction
    needed because nothing calls out, and the link checker off."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FEDERAL_DASHBOARD", "LINKCHECK", "OUTBOUND_HTTP"))
    }
    env["DJANGO_SETTINGS_MODULE"] = "itvsh_portal.settings"
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps([s.FEDERAL_"
        "DASHBOARD_URL, s.OUTBOUND_HTTP_ALLOWED_HOSTS, s.LINKCHECK_ENABLED, s.LINKCHECK_ALLOWED_HOSTS, "
        "s.CELERY_BEAT_SCHEDULE['federal-dashboard-monthly']['task'], "
        "s.CELERY_BEAT_SCHEDULE['ozg-linkcheck-daily']['task']]))"
    )
    output = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=60
    )
    url, outbound, enabled, allowed, monthly, daily = json.loads(output.stdout.strip().splitlines()[-1])
    spec = yaml.safe_load((ROOT / "data/ozg/digitale-verwaltung-api.openapi.yaml").read_text())
    assert url == DEFAULT_URL == spec["servers"][0]["url"]
    assert (outbound, enabled, allowed) == (None, False, [])
    assert (monthly, daily) == ("federal.sync_monthly", "ozg_monitoring.linkcheck_daily")


def _recipe(makefile: str, target: str) -> str:
    match = re.search(rf"^{target}:.*\n((?:\t.*\n)*)", makefile, flags=re.MULTILINE)
    assert match, target
    return match.group(1)


def test_make_run_make_data_and_ci_neither_sync_nor_start_beat():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("data", "run", "migrate", "install"):
        recipe = _recipe(makefile, target)
        assert "sync_federal_dashboard" not in recipe and "celery" not in recipe, target
    assert "runserver" in _recipe(makefile, "run")
    ci = (ROOT / ".ci/run").read_text()
    assert "sync_federal_dashboard" not in ci
    assert not re.search(r"\bbeat\b", ci)
    assert "LINKCHECK_ENABLED" not in ci and "LINKCHECK_ENABLED" not in makefile
    assert "sync_federal_dashboard" not in (ROOT / "deploy/entrypoint.sh").read_text()


# --- the outbound policy ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entries", "host", "port", "allowed"),
    [
        (["127.0.0.1"], "127.0.0.1", 8123, True),
        (["127.0.0.1:8123"], "127.0.0.1", 8123, True),
        (["127.0.0.1:8123"], "127.0.0.1", 8124, False),
        (["[::1]:8000"], "::1", 8000, True),
        (["::1"], "::1", 8000, True),
        (["LocalHost"], "localhost", 80, True),
        (["localhost"], "localhost.example", 80, False),
        ([], "127.0.0.1", 80, False),
        (None, "127.0.0.1", 80, False),
    ],
)
def test_host_entries(entries, host, port, allowed):
    assert host_in(entries, host, port) is allowed


def test_the_policy_applies_only_when_set(settings):
    settings.OUTBOUND_HTTP_ALLOWED_HOSTS = None
    assert require_outbound_allowed("https://Dienst.Example/antrag") == ("dienst.example", 443)
    settings.OUTBOUND_HTTP_ALLOWED_HOSTS = ["dienst.example:443"]
    assert require_outbound_allowed("https://dienst.example/x") == ("dienst.example", 443)
    with pytest.raises(OutboundRefused):
        require_outbound_allowed("http://dienst.example/x")
    with pytest.raises(OutboundRefused, match="nennt keinen Server"):
        require_outbound_allowed("http:///pfad")
    with pytest.raises(OutboundRefused, match="ist ungültig"):
        require_outbound_allowed("http://dienst.example:99999/")
