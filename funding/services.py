"""Every write with a rule. The admin, the API, the loader and the tasks all call these functions.

Drawdown workflow: beantragt → geprüft → freigegeben → ausgezahlt; from beantragt/geprüft also abgelehnt;
from beantragt/geprüft/freigegeben also zurückgezogen. Four eyes: neither the reviewer nor the approver may
be the requester. Invariant: the freigegeben + ausgezahlt drawdowns of a line never exceed its planned
amount; it is checked with the budget line row locked (`select_for_update`), so two concurrent approvals
cannot overdraw a line. Locks are always taken line first, then drawdown, to avoid deadlocks.

Every write takes the acting user as `by` and checks its Rule first (common.authorization); the API's policy
and the admin ask the same Rules before they read the input.
"""

import datetime
import functools
import logging
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts import notifications
from audit.context import PROVENANCE_FIELDS, stamp_provenance
from common import mail
from common.authorization import Rule, model_rules
from common.csvfiles import SPREADSHEET, csv_text
from common.formatting import format_euro, to_cents
from common.messages import message
from common.params import DATE_MIN, check_date
from common.services import editable_fields, model_update

from .models import BudgetLine, Drawdown, DrawdownTransition, InKindContribution, ReviewReminder, YearlyReport

logger = logging.getLogger(__name__)

S = Drawdown.Status
REVIEW_WAIT_DAYS = 14
REVIEW_PERMISSION = "funding.review_drawdown"


def _withdraw_scope(user, drawdown):
    """The requester withdraws her own drawdown; finance staff (change permission) withdraw any."""
    if user.has_perm("funding.change_drawdown"):
        return None
    if drawdown is None and user.has_perm("funding.add_drawdown"):
        return None  # may have requested one: the drawdown decides
    if drawdown is not None and drawdown.requested_by_id == user.pk:
        return None
    return message("funding.withdraw_denied")


BUDGET_LINE = model_rules("funding.budgetline", _lazy("Haushaltsposition"))
IN_KIND = model_rules("funding.inkindcontribution", _lazy("Sachleistung"))
#: What the loader's upserts may change (by key).
BUDGET_LINE_FIELDS = editable_fields(BudgetLine, exclude=("key",))
IN_KIND_FIELDS = editable_fields(InKindContribution, exclude=("key",))
DRAWDOWN_REQUEST = Rule(action=_lazy("Mittelabruf beantragen"), perms=("funding.add_drawdown",))
DRAWDOWN_REVIEW = Rule(action=_lazy("Mittelabruf prüfen"), perms=(REVIEW_PERMISSION,))
DRAWDOWN_APPROVE = Rule(action=_lazy("Mittelabruf freigeben"), perms=("funding.approve_drawdown",))
DRAWDOWN_PAY = Rule(action=_lazy("Auszahlung erfassen"), perms=("funding.pay_drawdown",))
DRAWDOWN_REJECT = Rule(
    action=_lazy("Mittelabruf ablehnen"), perms=(REVIEW_PERMISSION, "funding.approve_drawdown"), any_perm=True
)
DRAWDOWN_WITHDRAW = Rule(action=_lazy("Mittelabruf zurückziehen"), scope=_withdraw_scope)
#: The scheduled jobs (system actor and superusers: no group holds these permissions).
REVIEW_REMINDERS_SEND = Rule(action=_lazy("Prüf-Erinnerungen versenden"), perms=("funding.add_reviewreminder",))
YEARLY_REPORT_GENERATE = Rule(action=_lazy("Jahresbericht erzeugen"), perms=("funding.add_yearlyreport",))


class FundingConflict(ValidationError):
    """A rule of the workflow refuses the change given the current state: the invariant, four eyes, or a
    transition that is not allowed from the current status. The API answers it with 409; elsewhere it is an
    ordinary ValidationError."""


# --- helpers ------------------------------------------------------------------------------------------


def _money(value, field="amount") -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: message("funding.amount")}) from None
    if not amount.is_finite():
        raise ValidationError({field: message("funding.amount")})
    if amount != to_cents(amount):
        raise ValidationError({field: message("funding.amount_cents")})
    if amount <= 0:
        raise ValidationError({field: message("funding.amount_positive")})
    return to_cents(amount)


def committed_amount(line: BudgetLine, *, exclude_pk=None) -> Decimal:
    """freigegeben + ausgezahlt drawdowns of the line (the money the invariant counts)."""
    queryset = line.drawdowns.filter(status__in=Drawdown.COMMITTED)
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    return to_cents(queryset.aggregate(total=Sum("amount"))["total"] or 0)


def available_amount(line: BudgetLine) -> Decimal | None:
    """What the line has left: its remaining amount (`BudgetLineQuerySet.with_drawdown_sums`); None where the
    line's payments are not recorded."""
    remaining = BudgetLine.objects.with_drawdown_sums().values_list("remaining_amount", flat=True).get(pk=line.pk)
    return None if remaining is None else to_cents(remaining)


def check_available(line: BudgetLine, amount: Decimal, *, exclude_pk=None):
    available = to_cents(line.planned_amount - committed_amount(line, exclude_pk=exclude_pk))
    if amount > available:
        raise FundingConflict(
            message("funding.exceeds_available") % {"available": format_euro(available)},
            code="exceeds_available",
        )


def check_line_open(line: BudgetLine):
    if not line.payments_recorded:
        raise FundingConflict(message("funding.payments_not_recorded"), code="payments_not_recorded")
    if line.status != BudgetLine.Status.ZUGESAGT:
        raise FundingConflict(
            message("funding.line_not_open") % {"status": line.get_status_display()},
            code="line_not_open",
        )


def _check_from(drawdown: Drawdown, allowed: tuple, target: str):
    if drawdown.status not in allowed:
        raise FundingConflict(
            message("funding.invalid_transition") % {"current": drawdown.get_status_display(), "target": target},
            code="invalid_transition",
        )


def _four_eyes(drawdown: Drawdown, user, role: str):
    if user.pk == drawdown.requested_by_id:
        raise FundingConflict(
            message("funding.four_eyes") % {"role": role},
            code="four_eyes",
        )


def _lock(drawdown: Drawdown) -> tuple[BudgetLine, Drawdown]:
    """Locks the line, then the drawdown (always in this order) and returns fresh copies of both."""
    line = BudgetLine.objects.select_for_update().get(pk=drawdown.line_id)
    locked = Drawdown.objects.select_for_update().get(pk=drawdown.pk)
    return line, locked


def _move(drawdown: Drawdown, *, to: str, by, reason: str = "", fields: dict | None = None) -> Drawdown:
    from_status = drawdown.status
    drawdown._change_reason = reason[:100] if reason else f"{from_status} → {to}"
    data = {**(fields or {}), "status": to}
    model_update(instance=drawdown, fields=data, data=data)
    DrawdownTransition.objects.create(drawdown=drawdown, from_status=from_status, to_status=to, actor=by, reason=reason)
    return drawdown


# --- budget lines -------------------------------------------------------------------------------------


def budget_line_rule_errors(line: BudgetLine) -> dict:
    """Rule violations of a budget line as typed: the planned amount may not drop below what drawdowns already
    commit. Also called by the admin's form, so the message appears on the field."""
    if line.pk is None or line.planned_amount is None:
        return {}
    committed = committed_amount(line)
    if line.planned_amount < committed:
        return {"planned_amount": [message("funding.planned_below_committed") % {"committed": format_euro(committed)}]}
    return {}


@transaction.atomic
def budget_line_save(*, line: BudgetLine, by, update_fields: list[str] | None = None) -> BudgetLine:
    """Creates or updates a line; the planned amount may not drop below what drawdowns already commit.
    `update_fields` (from `model_update`): only these are written."""
    BUDGET_LINE.for_save(line).require(by)
    line.planned_amount = _money(line.planned_amount, field="planned_amount")
    if line.pk is not None:
        BudgetLine.objects.select_for_update().filter(pk=line.pk).first()
        errors = budget_line_rule_errors(line)
        if errors:
            raise FundingConflict(errors)
    line.full_clean()
    stamp_provenance(line, by=by)
    line.save(update_fields=None if update_fields is None else [*update_fields, *PROVENANCE_FIELDS])
    return line


def _upsert_by_key(model, *, key: str, fields: dict, allowed, save) -> tuple:
    """The loaders' idempotent write by key, through the service `save(obj, update_fields)` (None: a new row):
    returns the row and "created", "changed" or "unchanged". An unchanged row loaded before facts carried their
    provenance is stamped now: its facts are the loader's."""
    obj = model.objects.select_for_update().filter(key=key).first()
    if obj is None:
        return save(model(key=key, **fields), None), "created"
    _obj, changed = model_update(instance=obj, fields=allowed, data=fields, save=save)
    if not changed and not obj.source_kind:
        save(obj, [])
    return obj, "changed" if changed else "unchanged"


@transaction.atomic
def budget_line_upsert(*, key: str, by, **fields) -> tuple[BudgetLine, str]:
    """Idempotent write by key for the loader: returns the line and "created", "changed" or "unchanged"."""
    return _upsert_by_key(
        BudgetLine,
        key=key,
        fields=fields,
        allowed=BUDGET_LINE_FIELDS,
        save=lambda line, update_fields: budget_line_save(line=line, by=by, update_fields=update_fields),
    )


@transaction.atomic
def in_kind_save(*, item: InKindContribution, by, update_fields: list[str] | None = None) -> InKindContribution:
    """Creates or updates an in-kind contribution (the admin, the loader's upsert) and stamps where it comes from.
    `update_fields` (from `model_update`): only these are written."""
    IN_KIND.for_save(item).require(by)
    item.full_clean()
    stamp_provenance(item, by=by)
    item.save(update_fields=None if update_fields is None else [*update_fields, *PROVENANCE_FIELDS])
    return item


@transaction.atomic
def in_kind_upsert(*, key: str, by, **fields) -> tuple[InKindContribution, str]:
    """Idempotent write by key for the loader: returns the item and "created", "changed" or "unchanged"."""
    return _upsert_by_key(
        InKindContribution,
        key=key,
        fields=fields,
        allowed=IN_KIND_FIELDS,
        save=lambda item, update_fields: in_kind_save(item=item, by=by, update_fields=update_fields),
    )


# --- drawdown workflow --------------------------------------------------------------------------------


@transaction.atomic
def drawdown_request(
    *, line: BudgetLine, amount, purpose_text: str, by, requested_on: datetime.date | None = None
) -> Drawdown:
    DRAWDOWN_REQUEST.require(by)
    amount = _money(amount)
    if not (purpose_text or "").strip():
        raise ValidationError({"purpose_text": message("funding.purpose_missing")})
    if requested_on is not None:
        try:
            check_date(requested_on, not_after_today=True)
        except ValidationError as error:
            raise ValidationError({"requested_on": error.messages}) from None
    line = BudgetLine.objects.select_for_update().get(pk=line.pk)
    check_line_open(line)
    check_available(line, amount)
    drawdown = Drawdown(
        line=line,
        amount=amount,
        purpose_text=purpose_text.strip(),
        requested_by=by,
        requested_on=requested_on or timezone.localdate(),
        status=S.BEANTRAGT,
    )
    drawdown.full_clean()
    drawdown.save()
    DrawdownTransition.objects.create(drawdown=drawdown, from_status="", to_status=S.BEANTRAGT, actor=by)
    # Reviewers hear of it at once, but only of a request that was really saved, through a Celery task queued on
    # commit (the request's answer does not wait for the mail server; eager in the tests).
    from .tasks import notify_drawdown_request

    transaction.on_commit(functools.partial(notify_drawdown_request.delay, drawdown.pk), robust=True)
    return drawdown


def drawdown_request_notify(*, drawdown_pk: int) -> int:
    """Tells the finance reviewers (`finance_reviewers()`, never the requester) of a new drawdown request: German
    plain text plus HTML (templates/mail/drawdown_requested.*) with absolute links to the record in the admin and
    to the line's public place, one mail per reviewer with their opt-out link (`accounts.notifications`: they
    receive it as members of the reviewing group). Returns the number of mails sent; a request nobody can review
    is logged."""
    drawdown = Drawdown.objects.select_related("line", "requested_by").get(pk=drawdown_pk)
    reviewers = finance_reviewers().exclude(pk=drawdown.requested_by_id)
    if not reviewers.exists():
        logger.warning("funding drawdown %s requested: no reviewer to tell (nobody else may review)", drawdown.pk)
        return 0
    context = {
        "drawdown": drawdown,
        "line": drawdown.line,
        "amount": format_euro(drawdown.amount),
        "available": available_amount(drawdown.line),
        "requester": drawdown.requested_by.get_full_name() or drawdown.requested_by.get_username(),
        "admin_url": mail.absolute_url(reverse("admin:funding_drawdown_change", args=[drawdown.pk])),
        "public_url": mail.absolute_url(drawdown.get_absolute_url()),
    }
    context["available_text"] = "nicht bekannt" if context["available"] is None else format_euro(context["available"])
    subject = _("Neuer Mittelabruf %(pk)s über %(amount)s wartet auf Prüfung") % {
        "pk": drawdown.pk,
        "amount": context["amount"],
    }
    return notifications.send_to_members(
        reviewers, notifications.DRAWDOWN_REQUESTS, subject=subject, template="drawdown_requested", context=context
    )


@transaction.atomic
def drawdown_review(*, drawdown: Drawdown, by, reason: str = "") -> Drawdown:
    DRAWDOWN_REVIEW.require(by)
    line, drawdown = _lock(drawdown)
    _check_from(drawdown, (S.BEANTRAGT,), _("geprüft"))
    _four_eyes(drawdown, by, _("prüfen"))
    check_line_open(line)
    return _move(
        drawdown, to=S.GEPRUEFT, by=by, reason=reason, fields={"reviewed_by": by, "reviewed_at": timezone.now()}
    )


@transaction.atomic
def drawdown_approve(*, drawdown: Drawdown, by, reason: str = "") -> Drawdown:
    DRAWDOWN_APPROVE.require(by)
    line, drawdown = _lock(drawdown)
    _check_from(drawdown, (S.GEPRUEFT,), _("freigegeben"))
    _four_eyes(drawdown, by, _("freigeben"))
    check_line_open(line)
    check_available(line, drawdown.amount, exclude_pk=drawdown.pk)
    return _move(
        drawdown, to=S.FREIGEGEBEN, by=by, reason=reason, fields={"approved_by": by, "approved_at": timezone.now()}
    )


@transaction.atomic
def drawdown_pay(*, drawdown: Drawdown, by, paid_on: datetime.date, payment_reference: str) -> Drawdown:
    DRAWDOWN_PAY.require(by)
    errors = {}
    if not paid_on:
        errors["paid_on"] = message("funding.paid_on_missing")
    elif paid_on > timezone.localdate():
        errors["paid_on"] = message("funding.paid_on_future")
    elif paid_on < DATE_MIN:
        errors["paid_on"] = message(
            "date_range", min=DATE_MIN.strftime("%d.%m.%Y"), max=timezone.localdate().strftime("%d.%m.%Y")
        )
    if not (payment_reference or "").strip():
        errors["payment_reference"] = message("funding.reference_missing")
    if errors:
        raise ValidationError(errors)
    line, drawdown = _lock(drawdown)
    _check_from(drawdown, (S.FREIGEGEBEN,), _("ausgezahlt"))
    _four_eyes(drawdown, by, _("als ausgezahlt erfassen"))
    if paid_on < drawdown.requested_on:
        raise ValidationError({"paid_on": message("funding.paid_before_request")})
    check_line_open(line)
    check_available(line, drawdown.amount, exclude_pk=drawdown.pk)
    return _move(
        drawdown,
        to=S.AUSGEZAHLT,
        by=by,
        fields={"paid_on": paid_on, "payment_reference": payment_reference.strip()},
    )


@transaction.atomic
def drawdown_reject(*, drawdown: Drawdown, by, reason: str) -> Drawdown:
    DRAWDOWN_REJECT.require(by)
    if not (reason or "").strip():
        raise ValidationError({"reason": message("funding.reject_reason")})
    _line, drawdown = _lock(drawdown)
    _check_from(drawdown, Drawdown.OPEN, _("abgelehnt"))
    _four_eyes(drawdown, by, _("ablehnen"))
    return _move(drawdown, to=S.ABGELEHNT, by=by, reason=reason.strip(), fields={"closing_reason": reason.strip()})


@transaction.atomic
def drawdown_withdraw(*, drawdown: Drawdown, by, reason: str) -> Drawdown:
    """The requester withdraws her own drawdown; finance staff (change permission) may withdraw any."""
    DRAWDOWN_WITHDRAW.require(by, drawdown)
    if not (reason or "").strip():
        raise ValidationError({"reason": message("funding.withdraw_reason")})
    _line, drawdown = _lock(drawdown)
    _check_from(drawdown, (*Drawdown.OPEN, S.FREIGEGEBEN), _("zurückgezogen"))
    return _move(drawdown, to=S.ZURUECKGEZOGEN, by=by, reason=reason.strip(), fields={"closing_reason": reason.strip()})


TRANSITIONS = {
    "review": drawdown_review,
    "approve": drawdown_approve,
    "pay": drawdown_pay,
    "reject": drawdown_reject,
    "withdraw": drawdown_withdraw,
}


# --- reminders and reports ----------------------------------------------------------------------------


def finance_reviewers():
    """Active users who may review drawdowns (permission funding.review_drawdown, directly or through a group
    such as „Finanzen“), with an e-mail address. Superusers are not included unless they hold it explicitly."""
    User = get_user_model()
    return (
        # The model backend answers: axes' backend (first in AUTHENTICATION_BACKENDS) holds no permissions.
        User.objects.with_perm(
            REVIEW_PERMISSION, include_superusers=False, backend="django.contrib.auth.backends.ModelBackend"
        )
        .filter(is_active=True)
        .exclude(email="")
        .order_by("pk")
    )


def review_reminders_send(*, by, today: datetime.date | None = None) -> int:
    """Reminds finance staff of drawdowns waiting for review (beantragt) longer than 14 days, once per drawdown
    and ISO week. Returns the number of drawdowns reminded about now; a second run in the same week sends
    nothing."""
    REVIEW_REMINDERS_SEND.require(by)
    today = today or timezone.localdate()
    week = today - datetime.timedelta(days=today.weekday())
    waiting = (
        Drawdown.objects.filter(status=S.BEANTRAGT, requested_on__lt=today - datetime.timedelta(days=REVIEW_WAIT_DAYS))
        .exclude(review_reminders__week=week)
        .select_related("line")
        .order_by("requested_on", "pk")
    )
    recipients = list(finance_reviewers().values_list("email", flat=True))
    reminded = []
    for drawdown in waiting:
        try:
            with transaction.atomic():
                ReviewReminder.objects.create(drawdown=drawdown, week=week, recipient_count=len(recipients))
        except IntegrityError:
            continue  # another run got there first
        reminded.append(drawdown)
    if reminded and recipients:
        lines = [
            f"- Mittelabruf {d.pk}: {format_euro(d.amount)} auf „{d.line.title}“, beantragt am "
            f"{d.requested_on:%d.%m.%Y}"
            for d in reminded
        ]
        subject = _("Mittelabrufe warten seit mehr als %(days)s Tagen auf Prüfung") % {"days": REVIEW_WAIT_DAYS}
        body = "\n".join([_("Folgende Mittelabrufe sind noch nicht geprüft:"), "", *lines])
        send_mass_mail([(subject, body, None, [email]) for email in recipients])
    logger.info("funding review reminders: %s drawdowns, %s recipients", len(reminded), len(recipients))
    return len(reminded)


REPORT_HEADER = [
    "Haushaltsjahr",
    "Position",
    "Mittelgeber",
    "Empfänger",
    "Zweck",
    "Vereinbarung",
    "Status",
    "Planbetrag",
    "Betrag ungefähr",
    "Wortlaut der Quelle",
    "Freigegeben",
    "Ausgezahlt",
    "Verfügbar",
    "Quelle",
]


def _known(amount) -> str:
    """An amount for the report; "nicht bekannt" where the line's payments are not recorded."""
    return "nicht bekannt" if amount is None else f"{to_cents(amount):.2f}"


def report_rows(lines) -> list[list[str]]:
    rows = []
    for line in lines:
        rows.append(
            [
                "" if line.fiscal_year is None else str(line.fiscal_year),
                line.title,
                line.source.name,
                line.recipient.name,
                str(line.purpose),
                line.agreement.slug if getattr(line, "agreement", None) else "",
                line.get_status_display(),
                f"{to_cents(line.planned_amount):.2f}",
                "ja" if line.amount_is_approximate else "nein",
                line.amount_wording,
                _known(line.approved_amount),
                _known(line.paid_amount),
                _known(line.remaining_amount),
                line.source_citation,
            ]
        )
    return rows


@transaction.atomic
def yearly_report_generate(*, fiscal_year: int, by) -> tuple[YearlyReport, bool]:
    """Generates the CSV report of a fiscal year once; a second call returns the stored report unchanged."""
    from .selectors import budget_lines

    YEARLY_REPORT_GENERATE.require(by)
    existing = YearlyReport.objects.filter(fiscal_year=fiscal_year).first()
    if existing is not None:
        return existing, False
    rows = report_rows(budget_lines().filter(fiscal_year=fiscal_year))
    report = YearlyReport(
        fiscal_year=fiscal_year, row_count=len(rows), content=csv_text(REPORT_HEADER, rows, dialect=SPREADSHEET)
    )
    report.full_clean()
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        return YearlyReport.objects.get(fiscal_year=fiscal_year), False
    return report, True
