""" "Barriere melden": the feedback form of the Erklärung zur Barrierefreiheit (BITV 2.0 § 7, LBGG SH § 14).

One write, one place: `barrier_report_send` validates the report, counts it against the sender's address
(`common.throttling.count_hit`, scope "barrier_report", rate in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]) and sends
it with `common.mail.send` (templates/mail/barriere_meldung.txt and .html) to the configured contact,
PORTAL_ACCESSIBILITY_EMAIL (default PORTAL_CONTACT_EMAIL). Anyone may report: there is no permission to check,
the rule is the rate limit. Nothing is stored; the mail is the record.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common import mail
from common.params import check_text
from common.throttling import count_hit

logger = logging.getLogger(__name__)

THROTTLE_SCOPE = "barrier_report"
MAX_DESCRIPTION = 5000


def _single_line(value: str) -> str:
    return check_text(value.strip())


class BarrierReportForm(forms.Form):
    """The fields of a report; labels and messages as the page shows them."""

    name = forms.CharField(label=_("Ihr Name (freiwillig)"), required=False, max_length=200, validators=[_single_line])
    email = forms.EmailField(
        label=_("Ihre E-Mail-Adresse (freiwillig)"),
        required=False,
        max_length=254,
        help_text=_("Nur wenn Sie eine Antwort möchten."),
    )
    page = forms.CharField(
        label=_("Adresse der Seite (freiwillig)"),
        required=False,
        max_length=500,
        validators=[_single_line],
        help_text=_("Zum Beispiel https://… oder /ozg/leistungen/. Sie finden die Adresse oben im Browser."),
    )
    description = forms.CharField(
        label=_("Beschreibung der Barriere"),
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Was wollten Sie tun, und was hat nicht funktioniert?"),
        error_messages={"required": _("Bitte beschreiben Sie die Barriere.")},
    )

    def clean_description(self):
        return check_text(self.cleaned_data["description"].strip(), multiline=True)


@dataclass(frozen=True)
class BarrierReport:
    name: str
    email: str
    page: str
    description: str


class ReportThrottled(Exception):
    """Too many reports from one address in the window; `minutes` until the next one is accepted."""

    def __init__(self, minutes: int):
        super().__init__(minutes)
        self.minutes = minutes


class NoContactConfigured(Exception):
    """PORTAL_ACCESSIBILITY_EMAIL (and PORTAL_CONTACT_EMAIL) are empty: the report cannot reach anyone."""


def contact_address() -> str:
    return getattr(settings, "PORTAL_ACCESSIBILITY_EMAIL", "") or getattr(settings, "PORTAL_CONTACT_EMAIL", "")


def barrier_report_send(*, data, client: str) -> BarrierReport:
    """Checks `data` (the form's fields), counts the report of `client` (its address) and mails it.

    Raises ValidationError with the field errors (nothing counted, nothing sent), ReportThrottled when the address
    has used up its reports of the window, NoContactConfigured when there is no address to send to."""
    form = BarrierReportForm(data)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    recipient = contact_address()
    if not recipient:
        logger.error("barrier report not sent: PORTAL_ACCESSIBILITY_EMAIL and PORTAL_CONTACT_EMAIL are empty")
        raise NoContactConfigured
    hit = count_hit(THROTTLE_SCOPE, client or "unbekannt")
    if hit is not None and not hit.allowed:
        raise ReportThrottled(minutes=max(1, -(-hit.wait // 60)))
    report = BarrierReport(**form.cleaned_data)
    mail.send(
        to=[recipient],
        subject=str(_("Barriere gemeldet: %(page)s") % {"page": report.page[:120] or _("ohne Seitenangabe")}),
        template="barriere_meldung",
        context={"report": report},
    )
    return report
