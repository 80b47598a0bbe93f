"""The link checker: does a status's service URL answer? (Issue 15, "a verified online".)

This module only checks URLs and returns results; `services/linkcheck.py` decides which statuses are checked,
checks the rule and stores the results (`LinkCheck`, append-only).

How one URL is checked (`check_url`):

1. Every hop (the URL itself and each redirect target) passes the outbound policy of the installation
   (`common.outbound`, setting `OUTBOUND_HTTP_ALLOWED_HOSTS`) and the **SSRF guard**: the host name is resolved
   (`resolve`) and every address it resolves to must be a public unicast address. Refused are private
   (10/8, 172.16/12, 192.168/16, fc00::/7), loopback (127/8, ::1), link-local (169.254/16, fe80::/10), multicast,
   reserved, unspecified, shared (100.64/10) and the metadata addresses of cloud platforms (169.254.169.254,
   fd00:ec2::254); IPv4-mapped (::ffff:a.b.c.d), 6to4, Teredo and NAT64 addresses are judged by the IPv4 address
   inside them. The request then goes to the address that was checked (the name is sent as Host and, for https,
   as SNI and certificate name), so a second DNS answer cannot redirect it ("DNS rebinding").
   Only the entries of `LINKCHECK_ALLOWED_HOSTS` ("127.0.0.1:8123", set by tests for their local servers) skip
   the address check.
2. HEAD; where the server refuses HEAD (405, 501), GET (the body is not read).
3. Redirects (301, 302, 303, 307, 308) are followed by hand, at most `LINKCHECK_MAX_REDIRECTS` (5) hops, each
   through step 1 again. More hops (a loop) end as "nicht erreichbar".
4. Reachable ("ok") is a final answer 200–299. A timeout (`LINKCHECK_TIMEOUT` seconds for connecting and for the
   answer's head), a refused connection, a TLS error, 4xx and 5xx are not.

`check_many` checks distinct URLs in a thread pool (`LINKCHECK_CONCURRENCY` at once) with at most
`LINKCHECK_PER_HOST` requests at a time to one host (host and port).
"""

import ipaddress
import socket
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import urllib3
from django.conf import settings
from django.utils.translation import gettext as _

from common.outbound import OutboundRefused, host_in, host_port, require_outbound_allowed

USER_AGENT = "ITV.SH-Portal-Linkpruefung/1.0"
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
HEAD_REFUSED = {405, 501}
METADATA_ADDRESSES = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
ERROR_LENGTH = 300
URL_LENGTH = 2000


class LinkRefused(Exception):
    """A URL the checker will not request; `message` is German."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class CheckResult:
    url: str
    ok: bool
    http_status: int | None = None
    error: str = ""
    final_url: str = ""
    duration_ms: int = 0


@dataclass(frozen=True)
class Options:
    timeout: float
    max_redirects: int
    allowed_hosts: tuple[str, ...]

    @classmethod
    def from_settings(cls, **overrides):
        values = {
            "timeout": float(getattr(settings, "LINKCHECK_TIMEOUT", 10)),
            "max_redirects": int(getattr(settings, "LINKCHECK_MAX_REDIRECTS", 5)),
            "allowed_hosts": tuple(getattr(settings, "LINKCHECK_ALLOWED_HOSTS", ()) or ()),
        }
        values.update(overrides)
        return cls(**values)


# --- the SSRF guard ---------------------------------------------------------------------------------------------


def resolve(host: str, port: int) -> list[str]:
    """The addresses a host name resolves to (tests replace this function to fake DNS answers)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses inside a 6to4, Teredo or NAT64 address (IPv4-mapped: see address_refusal)."""
    found = []
    if address.sixtofour:
        found.append(address.sixtofour)
    if address.teredo:
        found.extend(address.teredo)
    if address in NAT64:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def address_refusal(text: str) -> str | None:
    """Why an address must not be contacted (German), or None for a public unicast address."""
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return _("keine gültige Adresse")
    if address.version == 6 and address.ipv4_mapped:
        return address_refusal(str(address.ipv4_mapped))  # ::ffff:a.b.c.d is a.b.c.d
    if address.version == 6:
        for inner in _embedded_ipv4(address):
            reason = address_refusal(str(inner))
            if reason:
                return reason
    if address in METADATA_ADDRESSES:
        return _("Metadaten-Adresse")
    if address.is_loopback:
        return _("Loopback-Adresse")
    if address.is_link_local:
        return _("link-lokale Adresse")
    if address.is_multicast:
        return _("Multicast-Adresse")
    if address.is_unspecified:
        return _("unbestimmte Adresse")
    if address.version == 4 and address in SHARED_ADDRESS_SPACE:
        return _("Adresse des Carrier-NAT (100.64.0.0/10)")
    if address.is_reserved:
        return _("reservierte Adresse")
    if address.is_private:
        return _("private Adresse")
    if not address.is_global:
        return _("keine öffentliche Adresse")
    return None


def guard(host: str, port: int, *, allowed_hosts: Iterable[str] = ()) -> str:
    """The address to connect to for (host, port), after the outbound policy and the SSRF guard; LinkRefused when
    the host does not resolve or one of its addresses is not public (unless the host is allow-listed)."""
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        raise LinkRefused(_("Der Name %(host)s lässt sich nicht auflösen.") % {"host": host}) from None
    if not addresses:
        raise LinkRefused(_("Der Name %(host)s lässt sich nicht auflösen.") % {"host": host})
    if host_in(allowed_hosts, host, port):
        return addresses[0]
    for address in addresses:
        reason = address_refusal(address)
        if reason:
            raise LinkRefused(
                _("Nicht geprüft: %(host)s führt zu %(address)s (%(reason)s).")
                % {"host": host, "address": address, "reason": reason}
            )
    return addresses[0]


# --- one URL ----------------------------------------------------------------------------------------------------


def _ascii_host(host: str) -> str:
    """The host as it goes into the Host header, SNI and the certificate check (IDNA for an umlaut domain)."""
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        raise LinkRefused(_("Der Name %(host)s ist ungültig.") % {"host": host}) from None


def _send(method: str, url: str, address: str, options: Options):
    parts = urlsplit(url)
    host, port = host_port(url)
    name = host if ":" in host else _ascii_host(host)  # an IPv6 literal stays as it is
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    timeout = urllib3.Timeout(connect=options.timeout, read=options.timeout)
    host_header = f"[{name}]" if ":" in name else name
    if parts.port:
        host_header += f":{parts.port}"
    headers = {"Host": host_header, "User-Agent": USER_AGENT, "Accept": "*/*"}
    if parts.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address,
            port,
            timeout=timeout,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            assert_hostname=name,
            server_hostname=name,
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False)
    try:
        response = pool.urlopen(
            method, path, headers=headers, redirect=False, retries=False, preload_content=False, assert_same_host=False
        )
        status, location = response.status, response.headers.get("Location")
        response.close()
        return status, location
    finally:
        pool.close()


def _error_text(error: Exception, options: Options) -> str:
    # NewConnectionError derives from ConnectTimeoutError in urllib3 2: ask for it first.
    if isinstance(error, urllib3.exceptions.NewConnectionError):
        return _("Verbindung abgelehnt oder Server nicht erreichbar")
    if isinstance(error, urllib3.exceptions.TimeoutError):
        return _("Zeitüberschreitung (mehr als %(s)s s)") % {"s": f"{options.timeout:g}".replace(".", ",")}
    if isinstance(error, urllib3.exceptions.SSLError):
        return _("TLS-Fehler (Zertifikat oder Verschlüsselung)")
    if isinstance(error, urllib3.exceptions.ProtocolError):
        return _("Verbindung abgebrochen oder keine gültige HTTP-Antwort")
    return _("Anfrage fehlgeschlagen (%(kind)s)") % {"kind": type(error).__name__}


def check_url(url: str, *, options: Options | None = None, limiter: "HostLimiter | None" = None) -> CheckResult:
    """Checks one URL (see the module docstring); never raises for anything the URL or its server does."""
    options = options or Options.from_settings()
    started = time.monotonic()
    current, status = url, None

    def result(ok: bool, error: str = "") -> CheckResult:
        return CheckResult(
            url=url,
            ok=ok,
            http_status=status,
            error=error[:ERROR_LENGTH],
            final_url=current[:URL_LENGTH],
            duration_ms=round((time.monotonic() - started) * 1000),
        )

    for _hop in range(options.max_redirects + 1):
        try:
            host, port = require_outbound_allowed(current)
            address = guard(host, port, allowed_hosts=options.allowed_hosts)
            with (limiter or HostLimiter(1)).hold(f"{host}:{port}"):
                status, location = _send("HEAD", current, address, options)
                if status in HEAD_REFUSED:
                    status, location = _send("GET", current, address, options)
        except (OutboundRefused, LinkRefused) as refused:
            return result(False, refused.message)
        except urllib3.exceptions.HTTPError as error:
            return result(False, _error_text(error, options))
        except (OSError, ValueError) as error:
            return result(False, _("Anfrage fehlgeschlagen (%(kind)s)") % {"kind": type(error).__name__})
        if status in REDIRECT_STATUSES and location:
            current = urljoin(current, location.strip())
            continue
        if 200 <= status < 300:
            return result(True)
        return result(False, _("Der Server antwortet mit HTTP %(status)d.") % {"status": status})
    return result(
        False, _("Mehr als %(n)d Weiterleitungen (Schleife?); nicht weiter verfolgt.") % {"n": options.max_redirects}
    )


# --- many URLs --------------------------------------------------------------------------------------------------


class HostLimiter:
    """At most `per_host` requests at a time to one host (host:port)."""

    def __init__(self, per_host: int):
        self.per_host = max(1, int(per_host))
        self._lock = threading.Lock()
        self._semaphores: dict[str, threading.BoundedSemaphore] = {}

    @contextmanager
    def hold(self, key: str):
        with self._lock:
            semaphore = self._semaphores.setdefault(key, threading.BoundedSemaphore(self.per_host))
        with semaphore:
            yield


def check_many(
    urls: Iterable[str], *, options: Options | None = None, concurrency: int | None = None, per_host: int | None = None
) -> dict[str, CheckResult]:
    """{url: result} for the distinct URLs, checked `concurrency` at a time, `per_host` at a time per host."""
    options = options or Options.from_settings()
    concurrency = max(1, int(concurrency or getattr(settings, "LINKCHECK_CONCURRENCY", 8)))
    limiter = HostLimiter(per_host or getattr(settings, "LINKCHECK_PER_HOST", 2))
    distinct = list(dict.fromkeys(urls))

    def one(url: str) -> CheckResult:
        try:
            return check_url(url, options=options, limiter=limiter)
        except Exception as error:  # one odd URL must not end the run for all the others
            kind = type(error).__name__
            return CheckResult(url=url, ok=False, error=_("Anfrage fehlgeschlagen (%(kind)s)") % {"kind": kind})

    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="linkcheck") as pool:
        results = pool.map(one, distinct)
        return dict(zip(distinct, results, strict=True))
