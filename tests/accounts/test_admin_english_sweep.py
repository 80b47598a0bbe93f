"""The whole admin in German for a browser that asks for English (issue 17, item 9): a superuser opens every change
list, add page and one change page per registered model, the start page, the search and the history pages, and
no English phrase of Django, django-axes, django-otp, django-simple-history or the filter widget is in what a
person reads (tags, scripts and styles taken out; titles and labels of controls kept)."""

import contextlib
import datetime
import re
from decimal import Decimal
from html import unescape

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import services as account_services
from common.authorization import system_actor
from cooperations import services as cooperation_services
from cooperations.models import ReminderLog, Topic, Wahlperiode
from funding.models import Drawdown, ReviewReminder, YearlyReport
from ozg_monitoring.models import (
    Basisdienst,
    Fokusleistung,
    ImportJob,
    LinkCheck,
    MonthlySnapshot,
    RolloutPlan,
    Zustaendigkeit,
)
from ozg_monitoring.services import rollout_status_update
from tests.accounts.factories import StaffUserFactory
from tests.accounts.helpers import verified_client_login
from tests.cooperations.factories import MeasureFactory, signed_agreement
from tests.funding.factories import BudgetLineFactory, DrawdownFactory, InKindFactory
from tests.ozg_monitoring.factories import LeikaLeistungFactory, RolloutStatusFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_static_storage")]

ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}
#: English UI phrases of Django and the third-party admins (case-sensitive; `\b` keeps German words out).
ENGLISH = [
    r"\bAdd ",
    r"\bChange ",
    r"\bDelete\b",
    r"\bHistory\b",
    r"\bSave and\b",
    r"\bChoose all\b",
    r"\bRemove all\b",
    r"\bBy \w",  # the filter headings ("By Art"); "Filter" itself is German too
    r"\bSelect ",
    r"\bLocked Out\b",
    r"\bAttempt\b",
    r"\bNone\b",
    r"\bPK\b",
    r"\bCHANGES\b",
    r"\bChanges\b",
    r"\bView site\b",
    r"\bLog out\b",
    r"\bSearch\b",
    r"\bAction\b",
    r"\bGo\b",
    r"\bShow all\b",
    r"\bAll\b",
    r"\bYes\b",
    r"\bNo\b",
    r"\bToday\b",
    r"\bDate/time\b",
    r"\bObject\b",
    r"\bUnknown\b",
    r"\b[Dd]evices?\b",
    r"\bby user\b",
    r"\bCan (add|change|delete|view)\b",
    r"\b(Identity|Timestamps|Configuration|Throttling)\b",
    r"\b(created at|last used at)\b",
    r"\b\d+ Audit-Protokoll\b",
    r"\bUTC\b",
    r"\bresults?\b",
    r"\btotal\b",
]
#: Models whose rows only the federal sync and the reconciliation make (their own tests open those pages), and
#: the Verwaltung-specific exceptions of the Zuständigkeit: no change page here, named so that none slips in.
NO_CHANGE_PAGE = {
    "federal.FederalRecordSet",
    "federal.FederalRecord",
    "federal.ReconciliationNote",
    "ozg_monitoring.ZustaendigkeitAusnahme",
}


def visible_text(html: str) -> str:
    """What a person reads: the text, plus the title, alt, aria-label, placeholder and value of controls."""
    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    html = re.sub(r"(?s)<!--.*?-->", " ", html)
    attributes = re.findall(r'\b(?:title|alt|aria-label|placeholder|value)="([^"]*)"', html)
    text = re.sub(r"<[^>]+>", " ", html)
    return unescape(" ".join([text, *attributes]))


def english_in(html: str) -> list[str]:
    text = visible_text(html)
    return [pattern for pattern in ENGLISH if re.search(pattern, text)]


def make_world():
    agreement = signed_agreement()
    party = agreement.parties.first().organisation
    cooperation_services.obligation_create(agreement=agreement, obligor=party, title="Bericht", by=system_actor())
    MeasureFactory(agreement=agreement)
    Topic.objects.create(name="Thema", slug="thema")
    Wahlperiode.objects.get_or_create(number=20, defaults={"start": datetime.date(2022, 6, 7)})
    ReminderLog.objects.create(
        kind=ReminderLog.Kind.AGREEMENT_ENDING,
        object_id=agreement.pk,
        threshold_days=90,
        target_date=datetime.date(2027, 1, 9),
        checked_at=timezone.now(),
    )
    line = BudgetLineFactory(agreement=agreement, planned_amount=Decimal("1000.00"))
    DrawdownFactory(line=line, amount=Decimal("10.00"))
    InKindFactory()
    YearlyReport.objects.create(fiscal_year=2025, row_count=0, content="a;b\r\n")
    status = RolloutStatusFactory(url="https://dienst.example/antrag")
    LinkCheck.objects.create(status=status, url=status.url, ok=False, http_status=404)
    LeikaLeistungFactory(ozg_leistung=status.leistung)
    MonthlySnapshot.objects.create(date=datetime.date(2026, 1, 1))
    ImportJob.objects.create(file="imports/x.csv")
    axes = {"username": "anna", "ip_address": "192.0.2.1", "user_agent": "t", "http_accept": "", "path_info": "/admin/"}
    AccessAttempt.objects.create(**axes, get_data="", post_data="", failures_since_start=1)
    AccessLog.objects.create(**axes)
    AccessFailureLog.objects.create(**axes, locked_out=False)
    kommune = StaffUserFactory(email="k@amt.example")
    account_services.membership_grant(user=kommune, organisation=status.verwaltung, by=system_actor())
    account_services.api_token_create(user=kommune, name="Fachverfahren", by=system_actor())
    StaticDevice.objects.create(user=kommune, name="Notfallcodes")
    rollout_status_update(status=status, changes={"stage": "in_umsetzung"}, by=system_actor())
    Basisdienst.objects.create(name="Servicekonto")
    Fokusleistung.objects.create(year=2026, leistung=status.leistung)
    RolloutPlan.objects.create(name="Plan 2026", slug="plan-2026", year=2026)
    Zustaendigkeit.objects.create(
        leistung=status.leistung, level="amt_gemeinde", basis="Gesetz", checked_on=datetime.date(2026, 1, 5)
    )
    ReviewReminder.objects.create(drawdown=Drawdown.objects.first(), week=datetime.date(2026, 1, 5))


def admin_pages(client):
    """(url, why) of every page the sweep opens; the models without a row are returned apart."""
    pages = [(reverse("admin:index"), "start page"), (reverse("admin:search") + "?q=Amt", "search")]
    without_row = set()
    request = client.get(reverse("admin:index")).wsgi_request  # the superuser's request, for the permissions
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        pages.append((reverse(f"{prefix}_changelist"), opts.label))
        if model_admin.has_add_permission(request):
            pages.append((reverse(f"{prefix}_add"), opts.label))
        obj = model_admin.get_queryset(request).order_by("pk").first()
        if obj is None:
            without_row.add(opts.label)
            continue
        pages.append((reverse(f"{prefix}_change", args=[obj.pk]), opts.label))
        with contextlib.suppress(NoReverseMatch):  # a model without a history page
            pages.append((reverse(f"{prefix}_history", args=[obj.pk]), opts.label))
        record = obj.history.order_by("pk").first() if hasattr(obj, "history") else None
        with contextlib.suppress(NoReverseMatch):  # one past state on simple_history's page, where the admin has one
            if record is not None:
                pages.append((reverse(f"{prefix}_simple_history", args=[obj.pk, record.pk]), opts.label))
    return pages, without_row


def test_every_admin_page_is_german_for_an_english_browser(client):
    make_world()
    verified_client_login(client, StaffUserFactory(is_superuser=True))
    pages, without_row = admin_pages(client)
    found = {}
    for url, why in pages:
        response = client.get(url, follow=True, **ENGLISH_BROWSER)  # an import job's page is its progress page
        assert response.status_code == 200, (url, why, response.status_code)
        english = english_in(response.content.decode())
        if english:
            found[url] = english
    assert found == {}
    assert without_row == NO_CHANGE_PAGE
