"""The link checker against real HTTP servers on 127.0.0.1 (200, 404, 500, slow, redirect loop, HEAD refused), its
SSRF guard (private, loopback, link-local, metadata, mapped addresses; a name resolving to 127.0.0.1), the per-host
limit, the rule, the stored history, the selector and the admin doors."""

import socket

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.services import membership_grant
from common.authorization import system_actor
from ozg_monitoring import linkcheck
from ozg_monitoring.models import LinkCheck, RolloutStatus
from ozg_monitoring.selectors import last_check_for
from ozg_monitoring.services.linkcheck import linkcheck_all, linkcheck_statuses, linkcheck_verwaltung
from ozg_monitoring.tasks import linkcheck_daily
from tests.accounts.factories import kommune_user, role_user
from tests.httpserver import LocalServer, Reply

from .factories import OnlineStatusFactory, RolloutStatusFactory

TIMEOUT = 0.3


def routes():
    return {
        "/ok": Reply(200, b"ok"),
        "/missing": Reply(404, b"weg"),
        "/error": Reply(500, b"kaputt"),
        "/slow": Reply(200, b"spaet", delay=1.0),
        "/loop": Reply(302, headers={"Location": "/loop"}),
        "/redirect": Reply(301, headers={"Location": "/ok"}),
        "/head-refused": Reply(200, b"nur GET", head_status=405),
        "/head-not-implemented": Reply(404, b"", head_status=501),
        "/to-private": Reply(302, headers={"Location": "http://10.0.0.1/intern"}),
    }


@pytest.fixture
def server():
    with LocalServer(routes()) as local:
        yield local


def options(*servers, **overrides):
    values = {"timeout": TIMEOUT, "max_redirects": 5, "allowed_hosts": tuple(s.host for s in servers)}
    values.update(overrides)
    return linkcheck.Options(**values)


@pytest.fixture
def enabled(settings, server):
    """The checker on, for the local server only (as tests/conftest.py leaves outbound HTTP: loopback only)."""
    settings.LINKCHECK_ENABLED = True
    settings.LINKCHECK_ALLOWED_HOSTS = [server.host]
    settings.LINKCHECK_TIMEOUT = TIMEOUT
    return server


# --- one URL against a real server --------------------------------------------------------------------------------


def test_a_200_is_reachable_and_only_head_is_sent(server):
    result = linkcheck.check_url(server.url("/ok"), options=options(server))
    assert (result.ok, result.http_status, result.error) == (True, 200, "")
    assert result.final_url == server.url("/ok")
    assert [(r.method, r.path) for r in server.requests] == [("HEAD", "/ok")]
    assert result.duration_ms >= 0


@pytest.mark.parametrize(("path", "status"), [("/missing", 404), ("/error", 500)])
def test_4xx_and_5xx_are_not_reachable(server, path, status):
    result = linkcheck.check_url(server.url(path), options=options(server))
    assert (result.ok, result.http_status) == (False, status)
    assert result.error == f"Der Server antwortet mit HTTP {status}."


def test_a_slow_server_times_out(server):
    result = linkcheck.check_url(server.url("/slow"), options=options(server))
    assert result.ok is False and result.http_status is None
    assert result.error == "Zeitüberschreitung (mehr als 0,3 s)"
    assert result.duration_ms < 1000


def test_a_redirect_is_followed_to_its_target(server):
    result = linkcheck.check_url(server.url("/redirect"), options=options(server))
    assert (result.ok, result.http_status, result.final_url) == (True, 200, server.url("/ok"))
    assert server.paths() == ["/redirect", "/ok"]


def test_a_redirect_loop_ends_after_the_bound(server):
    result = linkcheck.check_url(server.url("/loop"), options=options(server, max_redirects=5))
    assert result.ok is False and result.http_status == 302
    assert result.error == "Mehr als 5 Weiterleitungen (Schleife?); nicht weiter verfolgt."
    assert server.paths() == ["/loop"] * 6  # the URL and five hops


@pytest.mark.parametrize(
    ("path", "ok", "status"), [("/head-refused", True, 200), ("/head-not-implemented", False, 404)]
)
def test_head_refused_falls_back_to_get(server, path, ok, status):
    result = linkcheck.check_url(server.url(path), options=options(server))
    assert (result.ok, result.http_status) == (ok, status)
    assert [(r.method, r.path) for r in server.requests] == [("HEAD", path), ("GET", path)]


def test_an_umlaut_domain_is_sent_in_idna(server, settings, monkeypatch):
    settings.OUTBOUND_HTTP_ALLOWED_HOSTS = None
    monkeypatch.setattr(linkcheck, "resolve", lambda host, port: ["127.0.0.1"])
    host = f"bürgeramt.example:{server.port}"
    result = linkcheck.check_url(f"http://{host}/ok", options=options(allowed_hosts=(host,)))
    assert result.ok is True
    assert server.requests[0].headers["Host"] == f"xn--brgeramt-65a.example:{server.port}"
    assert server.requests[0].headers["User-Agent"] == "ITV.SH-Portal-Linkpruefung/1.0"


def test_a_closed_port_is_not_reachable(server):
    from tests.httpserver import closed_port

    port = closed_port()
    result = linkcheck.check_url(f"http://127.0.0.1:{port}/", options=options(allowed_hosts=(f"127.0.0.1:{port}",)))
    assert result.ok is False
    assert result.error == "Verbindung abgelehnt oder Server nicht erreichbar"


# --- the SSRF guard -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("10.1.2.3", "private Adresse"),
        ("172.16.5.4", "private Adresse"),
        ("192.168.178.1", "private Adresse"),
        ("127.0.0.1", "Loopback-Adresse"),
        ("127.8.9.10", "Loopback-Adresse"),
        ("::1", "Loopback-Adresse"),
        ("169.254.169.254", "Metadaten-Adresse"),
        ("fd00:ec2::254", "Metadaten-Adresse"),
        ("169.254.1.1", "link-lokale Adresse"),
        ("fe80::1", "link-lokale Adresse"),
        ("224.0.0.251", "Multicast-Adresse"),
        ("ff02::1", "Multicast-Adresse"),
        ("0.0.0.0", "unbestimmte Adresse"),  # noqa: S104 - refused, not bound
        ("100.64.0.1", "Adresse des Carrier-NAT (100.64.0.0/10)"),
        ("240.0.0.1", "reservierte Adresse"),
        ("fc00::1", "private Adresse"),
        ("::ffff:127.0.0.1", "Loopback-Adresse"),
        ("::ffff:10.0.0.1", "private Adresse"),
        ("::ffff:169.254.169.254", "Metadaten-Adresse"),
        ("2002:7f00:1::", "Loopback-Adresse"),  # 6to4 around 127.0.0.1
        ("64:ff9b::a00:1", "private Adresse"),  # NAT64 around 10.0.0.1
        ("fe80::1%eth0", "link-lokale Adresse"),
    ],
)
def test_guard_refuses_non_public_addresses(address, reason):
    assert linkcheck.address_refusal(address) == reason


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700:4700::1111", "::ffff:93.184.215.14"])
def test_guard_lets_public_addresses_pass(address):
    assert linkcheck.address_refusal(address) is None


@pytest.fixture
def no_connections(monkeypatch, settings):
    """No outbound policy in the way (the guard alone decides) and no socket may be opened."""
    settings.OUTBOUND_HTTP_ALLOWED_HOSTS = None

    def refuse(*args, **kwargs):
        raise AssertionError(f"a connection was attempted: {args}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://10.0.0.1/", "10.0.0.1 (private Adresse)"),
        ("http://192.168.0.10:8080/admin", "192.168.0.10 (private Adresse)"),
        ("http://127.0.0.1:9/", "127.0.0.1 (Loopback-Adresse)"),
        ("http://[::1]:8000/", "::1 (Loopback-Adresse)"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 (Metadaten-Adresse)"),
        ("http://[fd00:ec2::254]/", "fd00:ec2::254 (Metadaten-Adresse)"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1 (Loopback-Adresse)"),
    ],
)
def test_guard_refuses_before_connecting(no_connections, url, shown):
    result = linkcheck.check_url(url, options=options())
    assert result.ok is False
    assert result.error.startswith("Nicht geprüft:") and result.error.endswith(f"führt zu {shown}.")


def test_a_name_that_resolves_to_loopback_is_refused(no_connections, monkeypatch):
    monkeypatch.setattr(linkcheck, "resolve", lambda host, port: ["93.184.215.14", "127.0.0.1"])
    result = linkcheck.check_url("https://dienst.example/antrag", options=options())
    assert result.error == "Nicht geprüft: dienst.example führt zu 127.0.0.1 (Loopback-Adresse)."


def test_a_name_resolving_to_an_allow_listed_server_is_still_refused(server, monkeypatch):
    """The allow-list names host:port as written in the URL; a name that points there is not on it."""
    monkeypatch.setattr(linkcheck, "resolve", lambda host, port: ["127.0.0.1"])
    result = linkcheck.check_url(f"http://localhost:{server.port}/ok", options=options(server))
    assert result.error == "Nicht geprüft: localhost führt zu 127.0.0.1 (Loopback-Adresse)."
    assert server.requests == []


def test_a_local_server_is_checked_only_when_allow_listed(server):
    refused = linkcheck.check_url(server.url("/ok"), options=options())
    assert refused.ok is False and refused.error.endswith("führt zu 127.0.0.1 (Loopback-Adresse).")
    assert server.requests == []
    assert linkcheck.check_url(server.url("/ok"), options=options(server)).ok is True


def test_every_redirect_hop_passes_the_guard(server, settings):
    settings.OUTBOUND_HTTP_ALLOWED_HOSTS = None  # the guard, not the outbound policy, refuses 10.0.0.1
    result = linkcheck.check_url(server.url("/to-private"), options=options(server))
    assert result.ok is False and result.final_url == "http://10.0.0.1/intern"
    assert result.error == "Nicht geprüft: 10.0.0.1 führt zu 10.0.0.1 (private Adresse)."
    assert server.paths() == ["/to-private"]


def test_a_redirect_to_another_local_server_needs_its_own_allow_listing(server):
    with LocalServer({"/": Reply(200)}) as other:
        server.routes["/elsewhere"] = Reply(302, headers={"Location": other.url("/")})
        result = linkcheck.check_url(server.url("/elsewhere"), options=options(server))
        assert result.ok is False and "Loopback-Adresse" in result.error
        assert other.requests == []
        assert linkcheck.check_url(server.url("/elsewhere"), options=options(server, other)).ok is True


def test_the_outbound_policy_refuses_other_hosts_in_tests():
    """tests/conftest.py restricts outbound HTTP to loopback: a public host is never contacted by a test."""
    result = linkcheck.check_url("https://www.schleswig-holstein.de/", options=options())
    assert result.ok is False
    assert result.error == (
        "Ausgehende Anfragen an www.schleswig-holstein.de:443 sind hier nicht erlaubt (OUTBOUND_HTTP_ALLOWED_HOSTS)."
    )


def test_only_http_and_https(no_connections):
    assert linkcheck.check_url("ftp://dienst.example/", options=options()).error == (
        "Nur Adressen mit http oder https werden abgerufen (nicht „ftp://dienst.example/“)."
    )


# --- many URLs: concurrency, per-host limit -----------------------------------------------------------------------


@pytest.mark.parametrize("per_host", [1, 2])
def test_per_host_limit_holds_while_hosts_run_in_parallel(per_host):
    slow = {f"/s{n}": Reply(200, delay=0.15) for n in range(4)}
    with LocalServer(slow) as one, LocalServer(slow) as two:
        urls = [server.url(path) for server in (one, two) for path in slow]
        results = linkcheck.check_many(urls, options=options(one, two), concurrency=8, per_host=per_host)
    assert all(result.ok for result in results.values()) and len(results) == 8
    assert one.max_in_flight == per_host and two.max_in_flight == per_host


def test_a_url_shared_by_many_statuses_is_requested_once(server):
    results = linkcheck.check_many([server.url("/ok")] * 5 + [server.url("/missing")], options=options(server))
    assert len(results) == 2
    assert sorted(server.paths()) == ["/missing", "/ok"]


# --- the service, the history, the selector -----------------------------------------------------------------------


def test_off_unless_enabled(territory, server):
    OnlineStatusFactory(verwaltung=territory.foehr, url=server.url("/ok"))
    summary = linkcheck_all(by=system_actor())
    assert summary.enabled is False
    assert LinkCheck.objects.count() == 0 and server.requests == []
    assert linkcheck_daily() == {"enabled": False, "statuses": 0, "broken": 0}


def test_demo_urls_and_statuses_without_url_are_never_checked(territory, enabled):
    real = OnlineStatusFactory(verwaltung=territory.foehr, url=enabled.url("/ok"))
    OnlineStatusFactory(verwaltung=territory.foehr, url=enabled.url("/demo"), is_demo=True)
    RolloutStatusFactory(verwaltung=territory.foehr, url="")
    summary = linkcheck_verwaltung(verwaltung=territory.foehr, by=system_actor())
    assert (summary.statuses, summary.ok, summary.broken) == (1, 1, 0)
    assert "/demo" not in enabled.paths()
    check = LinkCheck.objects.get()
    assert (check.status, check.url, check.ok, check.http_status, check.error) == (real, real.url, True, 200, "")


def test_results_are_history_and_the_selector_returns_the_last(territory, enabled, django_assert_num_queries):
    enabled.routes["/flaky"] = [Reply(500), Reply(200)]
    flaky = OnlineStatusFactory(verwaltung=territory.foehr, url=enabled.url("/flaky"))
    gone = OnlineStatusFactory(verwaltung=territory.husum, url=enabled.url("/missing"))
    never = OnlineStatusFactory(verwaltung=territory.kiel, url="https://dienst.example/nie")
    statuses = RolloutStatus.objects.filter(pk__in=[flaky.pk, gone.pk])
    linkcheck_statuses(statuses=statuses, by=system_actor())
    linkcheck_statuses(statuses=statuses, by=system_actor())
    assert LinkCheck.objects.count() == 4
    with django_assert_num_queries(1):
        last = last_check_for([flaky, gone, never])
    assert set(last) == {flaky.pk, gone.pk}
    assert (last[flaky.pk].ok, last[flaky.pk].http_status) == (True, 200)
    assert (last[gone.pk].ok, last[gone.pk].http_status) == (False, 404)
    with django_assert_num_queries(1):
        assert set(last_check_for(RolloutStatus.objects.all())) == {flaky.pk, gone.pk}
    assert last_check_for([]) == {}


def test_a_check_is_never_changed_or_deleted(territory, enabled):
    OnlineStatusFactory(verwaltung=territory.foehr, url=enabled.url("/ok"))
    linkcheck_all(by=system_actor())
    check = LinkCheck.objects.get()
    check.ok = False
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        check.save()
    with pytest.raises(ValidationError):
        check.delete()


def test_the_daily_task_checks_every_link(territory, enabled):
    OnlineStatusFactory(verwaltung=territory.foehr, url=enabled.url("/ok"))
    OnlineStatusFactory(verwaltung=territory.kiel, url=enabled.url("/error"))
    assert linkcheck_daily() == {"enabled": True, "statuses": 2, "broken": 1}


def test_the_rule_refuses_kommune_users_and_allows_monitoring(territory, enabled):
    OnlineStatusFactory(verwaltung=territory.foehr, url=enabled.url("/ok"))
    kommune = kommune_user()
    membership_grant(user=kommune, organisation=territory.foehr, by=system_actor())
    with pytest.raises(PermissionDenied, match="Links prüfen"):
        linkcheck_verwaltung(verwaltung=territory.foehr, by=kommune)
    assert LinkCheck.objects.count() == 0 and enabled.requests == []
    monitoring = role_user("Monitoring")
    assert linkcheck_verwaltung(verwaltung=territory.foehr, by=monitoring).statuses == 1


# --- the admin: on demand per Verwaltung, the list of broken links ------------------------------------------------


def test_admin_action_checks_the_verwaltungen_of_the_selection(
    territory, enabled, client, verified_login, django_capture_on_commit_callbacks
):
    foehr_ok = OnlineStatusFactory(verwaltung=territory.foehr, url=enabled.url("/ok"))
    foehr_broken = OnlineStatusFactory(verwaltung=territory.foehr, url=enabled.url("/missing"))
    OnlineStatusFactory(verwaltung=territory.kiel, url=enabled.url("/error"))  # not selected: not checked
    verified_login(client, role_user("Monitoring"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:ozg_monitoring_rolloutstatus_changelist"),
            {"action": "check_links", "_selected_action": [foehr_ok.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert "Linkprüfung für 1 Verwaltungen angestoßen" in response.content.decode()
    assert sorted(LinkCheck.objects.values_list("status_id", "ok")) == [(foehr_ok.pk, True), (foehr_broken.pk, False)]
    broken = client.get(reverse("admin:ozg_monitoring_brokenlink_changelist"))
    assert broken.status_code == 200
    assert [check.status_id for check in broken.context_data["cl"].result_list] == [foehr_broken.pk]


def test_admin_action_says_when_the_checker_is_off(territory, client, verified_login):
    status = OnlineStatusFactory(verwaltung=territory.foehr)
    verified_login(client, role_user("Monitoring"))
    response = client.post(
        reverse("admin:ozg_monitoring_rolloutstatus_changelist"),
        {"action": "check_links", "_selected_action": [status.pk]},
        follow=True,
    )
    assert "Die Linkprüfung ist ausgeschaltet (Einstellung LINKCHECK_ENABLED)." in response.content.decode()
    assert LinkCheck.objects.count() == 0
