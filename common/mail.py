"""Every e-mail the portal sends goes through `send()`: German, plain text plus HTML, absolute links.

A mail is a pair of templates, `templates/mail/<name>.txt` and `templates/mail/<name>.html`; both get the same
context plus `base_url` (PORTAL_BASE_URL, or http://127.0.0.1:8000 on a developer machine) and `optout_url` when
the mail is one a recipient may decline. Links in mails are built with `absolute_url()`: a relative address is
useless in a mail client.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def base_url() -> str:
    configured = getattr(settings, "PORTAL_BASE_URL", "")
    return (configured or "http://127.0.0.1:8000").rstrip("/")


def absolute_url(path: str) -> str:
    """`path` ("/admin/…" or a full address) as a full address on the portal's configured origin."""
    if path.startswith(("http://", "https://")):
        return path
    return base_url() + ("" if path.startswith("/") else "/") + path


def send(*, to: Iterable[str], subject: str, template: str, context: dict | None = None, optout_path: str = "") -> int:
    """Sends one mail to every address in `to` (one message, recipients in To). Returns the number of messages
    sent (0 when there is no recipient; the caller logs and shows that case)."""
    recipients = sorted({address for address in to if address})
    if not recipients:
        return 0
    context = {**(context or {}), "base_url": base_url(), "subject": subject}
    if optout_path:
        context["optout_url"] = absolute_url(optout_path)
    text = render_to_string(f"mail/{template}.txt", context)
    html = render_to_string(f"mail/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=recipients, from_email=settings.DEFAULT_FROM_EMAIL)
    message.attach_alternative(html, "text/html")
    sent = message.send()
    logger.info("mail %s sent to %s recipients", template, len(recipients))
    return sent
