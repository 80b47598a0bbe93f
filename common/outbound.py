"""Outbound HTTP: which hosts this installation may contact at all.

The portal makes two kinds of outbound requests: the federal dashboard client (`federal/client.py`) and the link
checker (`ozg_monitoring/linkcheck.py`). Both ask `require_outbound_allowed(url)` before every request (every
redirect hop included), so one setting bounds them both:

- `OUTBOUND_HTTP_ALLOWED_HOSTS` unset (None, the default in production): no restriction here; each client applies
  its own rules (the link checker its SSRF guard).
- set to a list: only these hosts, each given as "host" (any port) or "host:port" ("127.0.0.1", "[::1]:8080",
  "localhost:8000"). The test suite sets it to the loopback addresses (tests/conftest.py), so that no test can
  reach another machine, whatever URL a test or a setting hands to a client.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

DEFAULT_PORTS = {"http": 80, "https": 443}


class OutboundRefused(Exception):
    """A request this installation must not make; `message` is German."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def host_port(url: str) -> tuple[str, int]:
    """(host in lower case without brackets, port) of an http(s) URL; OutboundRefused for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise OutboundRefused(_("Die Adresse „%(url)s“ ist ungültig.") % {"url": url[:200]}) from None
    if parts.scheme not in DEFAULT_PORTS:
        raise OutboundRefused(
            _("Nur Adressen mit http oder https werden abgerufen (nicht „%(url)s“).") % {"url": url[:200]}
        )
    if not parts.hostname:
        raise OutboundRefused(_("Die Adresse „%(url)s“ nennt keinen Server.") % {"url": url[:200]})
    return parts.hostname.lower(), port or DEFAULT_PORTS[parts.scheme]


def _entry(text: str) -> tuple[str, int | None]:
    text = text.strip().lower()
    if text.startswith("["):  # "[::1]" or "[::1]:8080"
        host, _sep, rest = text[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else None
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, int(port)
    return text, None  # a name, an IPv4 address or a bare IPv6 address


def host_in(entries, host: str, port: int) -> bool:
    """Whether (host, port) matches one of the entries "host" or "host:port"."""
    for entry in entries or ():
        name, wanted_port = _entry(entry)
        if name == host and wanted_port in (None, port):
            return True
    return False


def outbound_allowed_hosts():
    """The setting, or None when it is not set."""
    return getattr(settings, "OUTBOUND_HTTP_ALLOWED_HOSTS", None)


def require_outbound_allowed(url: str) -> tuple[str, int]:
    """(host, port) of the URL; OutboundRefused when the setting restricts outbound requests to other hosts."""
    host, port = host_port(url)
    allowed = outbound_allowed_hosts()
    if allowed is not None and not host_in(allowed, host, port):
        raise OutboundRefused(
            _("Ausgehende Anfragen an %(host)s sind hier nicht erlaubt (OUTBOUND_HTTP_ALLOWED_HOSTS).")
            % {"host": f"{host}:{port}"}
        )
    return host, port
