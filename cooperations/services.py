"""Every write with a rule. The admin, the API, the founding-content loader and the daily task call these
functions, so a rule holds whichever door the data came through.

Rules (issue 3):
- effective date not before the signing date; the end of the term after its start;
- progress of a measure 0–100; a measure's dates inside the agreement's term unless it is a follow-up;
- "in Kraft" needs a signing date (or the explicit mark "unterzeichnet, Datum unbekannt" where the sources
  confirm the signature but not its day);
- a signed agreement has at least two parties;
- source files are PDFs (magic bytes "%PDF-") of at most COOPERATIONS_SOURCE_MAX_BYTES (10 MB).
Violations raise django.core.exceptions.ValidationError with German messages keyed by field.

Every write takes the acting user as `by` and checks its Rule first (common.authorization): the model
permission of the group Redaktion (cooperations.add_agreement, change_measure, ...). Refused: PermissionDenied.
The admin's forms call the rule checks (`agreement_rule_errors`, `obligation_rule_errors`,
`measure_rule_errors`) with what was typed, so that the same messages appear on the right field.
"""

import datetime
import logging
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts import notifications
from audit.context import PROVENANCE_FIELDS, stamp_provenance
from common.authorization import Rule, model_rules
from common.mail import absolute_url
from common.mail import send as send_mail_message
from common.messages import message
from common.params import check_date
from common.services import editable_fields, model_update

from . import reminders
from .models import (
    Agreement,
    AgreementParty,
    Amendment,
    DatePrecision,
    Measure,
    Milestone,
    Obligation,
    ReminderLog,
    Signatory,
    Source,
    Wahlperiode,
)
from .validators import validate_pdf

logger = logging.getLogger(__name__)

AGREEMENT_REMINDER_DAYS = reminders.AGREEMENT_REMINDER_DAYS
OBLIGATION_REMINDER_DAYS = reminders.OBLIGATION_REMINDER_DAYS

AGREEMENT = model_rules("cooperations.agreement", _lazy("Vereinbarung"))
PARTY = model_rules("cooperations.agreementparty", _lazy("Partei einer Vereinbarung"))
SIGNATORY = model_rules("cooperations.signatory", _lazy("Unterzeichnende Person"))
AMENDMENT = model_rules("cooperations.amendment", _lazy("Änderung einer Vereinbarung"))
OBLIGATION = model_rules("cooperations.obligation", _lazy("Verpflichtung"))
MEASURE = model_rules("cooperations.measure", _lazy("Maßnahme"))
MILESTONE = model_rules("cooperations.milestone", _lazy("Meilenstein"))
SOURCE = model_rules("cooperations.source", _lazy("Quelle"))
WAHLPERIODE = model_rules("cooperations.wahlperiode", _lazy("Wahlperiode"))
#: What `agreement_update`, `measure_update` and `wahlperiode_update` may change.
AGREEMENT_FIELDS = editable_fields(Agreement)
MEASURE_FIELDS = editable_fields(Measure)
WAHLPERIODE_FIELDS = editable_fields(Wahlperiode)
#: The daily run's reminder mails (system actor and superusers: no group holds cooperations.add_reminderlog).
REMINDERS_SEND = Rule(action=_lazy("Erinnerungen versenden"), perms=("cooperations.add_reminderlog",))


# --- validation helpers -------------------------------------------------------------------------------------
def _truncate(day: datetime.date, precision: str) -> tuple:
    if precision == DatePrecision.YEAR:
        return (day.year,)
    if precision == DatePrecision.MONTH:
        return (day.year, day.month)
    return (day.year, day.month, day.day)


def _coarser(first: str, second: str) -> str:
    order = [DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR]
    return max(first, second, key=lambda precision: order.index(precision))


def _add(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _date_range_errors(errors: dict, obj, fields) -> None:
    """Dates outside the plausible range (common.params: 1990-01-01 to today + 30 years)."""
    for field in fields:
        value = getattr(obj, field)
        if isinstance(value, datetime.date):
            try:
                check_date(value)
            except ValidationError as error:
                _add(errors, field, error.messages[0])


def agreement_rule_errors(agreement: Agreement, *, party_count: int | None = None) -> dict:
    """The rule violations of an agreement as {field: [messages]}; empty when all rules hold.
    `party_count` None means "count the saved parties"."""
    errors: dict[str, list[str]] = {}
    _date_range_errors(errors, agreement, ("announced_on", "signed_on", "effective_from", "end_on"))
    if agreement.signed_on and agreement.effective_from:
        precision = _coarser(agreement.signed_on_precision, agreement.effective_from_precision)
        if _truncate(agreement.effective_from, precision) < _truncate(agreement.signed_on, precision):
            _add(errors, "effective_from", message("cooperations.effective_before_signed"))
    if agreement.status == Agreement.Status.IN_KRAFT and not agreement.is_signed:
        _add(errors, "status", message("cooperations.in_force_unsigned"))
    term = agreement.TermKind
    if agreement.term_kind == term.FIXED_END and not agreement.end_on:
        _add(errors, "end_on", message("cooperations.end_date_missing"))
    if agreement.term_kind == term.YEARS and not agreement.duration_years:
        _add(errors, "duration_years", message("cooperations.years_missing"))
    if agreement.term_kind == term.WAHLPERIODE and not agreement.wahlperiode_id:
        _add(errors, "wahlperiode", message("cooperations.wahlperiode_missing"))
    start, end = agreement.compute_term_start(), agreement.compute_term_end()
    if start and end and end <= start:
        field = "end_on" if agreement.term_kind == term.FIXED_END else "term_kind"
        _add(errors, field, message("cooperations.end_before_start"))
    if agreement.term_kind == term.WAHLPERIODE and agreement.wahlperiode_id and start:
        period = agreement.wahlperiode
        if period.end and not (period.start <= start <= period.end):
            _add(errors, "wahlperiode", message("cooperations.start_outside_wahlperiode"))
    derived = agreement.derived
    if not isinstance(derived, dict) or any(
        name not in Agreement.DERIVABLE_FIELDS
        or not isinstance(reason, str)
        or not reason.strip()
        or len(reason) > 1000
        for name, reason in derived.items()
    ):
        _add(errors, "derived", message("cooperations.derived_invalid", fields=", ".join(Agreement.DERIVABLE_FIELDS)))
    if agreement.predecessor_id and agreement.pk and agreement.predecessor_id == agreement.pk:
        _add(errors, "predecessor", message("cooperations.own_predecessor"))
    if agreement.is_signed:
        if party_count is None:
            party_count = agreement.parties.count() if agreement.pk else 0
        if party_count < 2:
            _add(errors, "parties", message("cooperations.two_parties"))
    return errors


def _party_ids(agreement: Agreement) -> set[int]:
    return set(agreement.parties.values_list("organisation_id", flat=True)) if agreement.pk else set()


def measure_rule_errors(measure: Measure, agreement: Agreement, *, participants=None, party_ids=None) -> dict:
    """Rule violations of a measure against its agreement: its term, and the lead and the participants (a list of
    organisations; None: not checked) are parties. `party_ids` None means the saved parties."""
    errors: dict[str, list[str]] = {}
    if measure.lead_id is not None or participants:
        party_ids = _party_ids(agreement) if party_ids is None else party_ids
        if measure.lead_id is not None and measure.lead_id not in party_ids:
            _add(errors, "lead", message("cooperations.lead_not_party"))
        strangers = sorted(str(body) for body in participants or () if body.pk not in party_ids)
        if strangers:
            _add(errors, "participants", message("cooperations.participants_not_party", names=", ".join(strangers)))
    _date_range_errors(errors, measure, ("start_on", "end_on"))
    if measure.progress is not None and not 0 <= measure.progress <= 100:
        _add(errors, "progress", message("cooperations.progress_range"))
    if measure.start_on and measure.end_on and measure.end_on < measure.start_on:
        _add(errors, "end_on", message("cooperations.measure_end_before_start"))
    if not measure.is_follow_up:
        start, end = agreement.compute_term_start(), agreement.compute_term_end()
        for field in ("start_on", "end_on"):
            value = getattr(measure, field)
            if value is None:
                continue
            if (start and value < start) or (end and value > end):
                _add(
                    errors,
                    field,
                    message("cooperations.measure_outside_term"),
                )
    return errors


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


# --- agreements -----------------------------------------------------------------------------------------------
def _refresh_term(agreement: Agreement) -> None:
    agreement.term_start = agreement.compute_term_start()
    agreement.term_end = agreement.compute_term_end()


def _check_measures(agreement: Agreement) -> None:
    if not agreement.pk:
        return
    for measure in agreement.measures.filter(is_follow_up=False):
        errors = measure_rule_errors(measure, agreement)
        if errors:
            raise ValidationError(
                {"term_kind": [message("cooperations.measure_outside_new_term") % {"title": measure.title}]}
            )


@transaction.atomic
def agreement_save(
    *,
    agreement: Agreement,
    by,
    party_count: int | None = None,
    check_parties: bool = True,
    update_fields: list[str] | None = None,
    stamp: bool = True,
) -> Agreement:
    """Validates and saves an agreement (new or changed). The admin passes `check_parties=False` (its form has
    checked the parties as typed in the inline) and checks the count after the inlines are saved. `update_fields`
    (from `model_update`): only these and the derived term are written. A write of its facts stamps where they
    come from (`stamp_provenance`); a recomputation of the derived term (`stamp=False`) does not."""
    AGREEMENT.for_save(agreement).require(by)
    _refresh_term(agreement)
    errors = agreement_rule_errors(agreement, party_count=party_count)
    if not check_parties:
        errors.pop("parties", None)
    _raise(errors)
    agreement.full_clean()
    _check_measures(agreement)
    extra = ["term_start", "term_end"]
    if stamp:
        stamp_provenance(agreement, by=by)
        extra += PROVENANCE_FIELDS
    agreement.save(update_fields=None if update_fields is None else [*update_fields, *extra])
    _mark_replaced(agreement, by=by, today=timezone.localdate())
    return agreement


@transaction.atomic
def agreement_create(*, by, parties=(), signatories=(), topics=(), **fields) -> Agreement:
    """Creates an agreement with its parties [(organisation, role[, role_note])], signatories
    [(name, function, organisation)] and topics in one step, so the party rule sees the parties."""
    AGREEMENT.add.require(by)
    agreement = Agreement(**fields)
    _refresh_term(agreement)
    _raise(agreement_rule_errors(agreement, party_count=len({p[0].pk for p in parties})))
    agreement.full_clean()
    stamp_provenance(agreement, by=by)
    agreement.save()
    for party in parties:
        role_note = party[2] if len(party) > 2 else ""
        party_add(agreement=agreement, organisation=party[0], role=party[1], role_note=role_note, by=by)
    for name, function, organisation in signatories:
        signatory_add(agreement=agreement, name=name, function=function, organisation=organisation, by=by)
    if topics:
        agreement.topics.set(topics)
    _mark_replaced(agreement, by=by, today=timezone.localdate())
    return agreement


@transaction.atomic
def agreement_update(*, agreement: Agreement, by, topics=None, **fields) -> Agreement:
    AGREEMENT.change.require(by)
    model_update(
        instance=agreement,
        fields=AGREEMENT_FIELDS,
        data=fields,
        save=lambda agreement, update_fields: agreement_save(agreement=agreement, by=by, update_fields=update_fields),
    )
    if topics is not None:
        agreement.topics.set(topics)
    return agreement


def agreement_check_parties(*, agreement: Agreement) -> None:
    """Raises if a signed agreement has fewer than two parties (after an admin save of its inlines)."""
    errors = agreement_rule_errors(agreement)
    _raise({"parties": errors["parties"]} if "parties" in errors else {})


@transaction.atomic
def party_add(*, agreement: Agreement, organisation, role: str, by, role_note: str = "") -> AgreementParty:
    PARTY.add.require(by)
    party = AgreementParty(agreement=agreement, organisation=organisation, role=role, role_note=role_note)
    party.full_clean()
    party.save()
    return party


@transaction.atomic
def party_remove(*, party: AgreementParty, by) -> None:
    PARTY.delete.require(by)
    agreement = party.agreement
    if agreement.is_signed and agreement.parties.count() <= 2:
        raise ValidationError({"parties": [message("cooperations.two_parties")]})
    party.delete()


@transaction.atomic
def signatory_add(*, agreement: Agreement, name: str, by, function: str = "", organisation=None) -> Signatory:
    SIGNATORY.add.require(by)
    signatory = Signatory(agreement=agreement, name=name, function=function, organisation=organisation)
    signatory.full_clean()
    signatory.save()
    return signatory


@transaction.atomic
def amendment_save(*, amendment: Amendment, by) -> Amendment:
    """Saves an amendment; one that changes the term (`term_end_on`) gives the agreement that fixed end, checked
    by the agreement's rules (a refused end is an error on the amendment's field)."""
    AMENDMENT.for_save(amendment).require(by)
    amendment.full_clean()
    amendment.save()
    agreement = amendment.agreement
    if amendment.term_end_on and (agreement.term_kind, agreement.end_on) != (
        Agreement.TermKind.FIXED_END,
        amendment.term_end_on,
    ):
        AGREEMENT.change.require(by)
        agreement.term_kind, agreement.end_on = Agreement.TermKind.FIXED_END, amendment.term_end_on
        agreement.duration_years = None
        agreement.wahlperiode = None
        try:
            agreement_save(agreement=agreement, by=by)
        except ValidationError as error:
            messages_ = [m for field_messages in error.message_dict.values() for m in field_messages]
            raise ValidationError({"term_end_on": messages_}) from error
    return amendment


# --- renewal and replacement --------------------------------------------------------------------------------------
def _renewal_slug(agreement: Agreement) -> str:
    base = f"{agreement.slug[:80]}-verlaengerung"
    slug, number = base, 2
    while Agreement.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


@transaction.atomic
def agreement_renew(*, agreement: Agreement, by) -> Agreement:
    """ "Als Verlängerung anlegen": a new draft with the predecessor set and a copy of the parties, signatories,
    topics and obligations (without due dates: the new ones are not known yet) and the kind of term. Dates the
    renewal has not got yet stay empty. Refused where the agreement has a successor already."""
    AGREEMENT.add.require(by)
    successor = Agreement.objects.filter(predecessor=agreement).first()
    if successor is not None:
        raise ValidationError({"predecessor": [message("cooperations.has_successor", title=successor.title)]})
    term_kind = agreement.term_kind
    if term_kind not in (Agreement.TermKind.YEARS, Agreement.TermKind.OPEN_ENDED):
        term_kind = Agreement.TermKind.UNKNOWN  # a fixed end or a Wahlperiode of the renewal is not known yet
    renewal = agreement_create(
        by=by,
        slug=_renewal_slug(agreement),
        kind=agreement.kind,
        title=f"{agreement.title} (Verlängerung)"[:300],
        summary=agreement.summary,
        status=Agreement.Status.ENTWURF,
        responsible=agreement.responsible,
        term_kind=term_kind,
        duration_years=agreement.duration_years if term_kind == Agreement.TermKind.YEARS else None,
        predecessor=agreement,
        parties=[(p.organisation, p.role, p.role_note) for p in agreement.parties.select_related("organisation")],
        signatories=[(s.name, s.function, s.organisation) for s in agreement.signatories.all()],
        topics=list(agreement.topics.all()),
    )
    for obligation in agreement.obligations.all():
        obligation_create(
            by=by,
            agreement=renewal,
            obligor_id=obligation.obligor_id,
            title=obligation.title,
            description=obligation.description,
        )
    return renewal


def _has_taken_effect(successor: Agreement, today: datetime.date) -> bool:
    return (
        successor.predecessor_id is not None
        and successor.status == Agreement.Status.IN_KRAFT
        and successor.term_start is not None
        and successor.term_start <= today
    )


def _mark_replaced(successor: Agreement, *, by, today: datetime.date) -> bool:
    """The predecessor of a successor that has taken effect becomes "ersetzt" (once; with its reason)."""
    if not _has_taken_effect(successor, today):
        return False
    predecessor = Agreement.objects.select_for_update().get(pk=successor.predecessor_id)
    if predecessor.status not in (Agreement.Status.IN_KRAFT, Agreement.Status.AUSGELAUFEN):
        return False
    AGREEMENT.change.require(by)
    predecessor.status = Agreement.Status.ERSETZT
    predecessor.derived = {
        **(predecessor.derived or {}),
        "status": message(
            "cooperations.replaced_derived", title=successor.title, day=successor.term_start.strftime("%d.%m.%Y")
        ),
    }
    predecessor.save(update_fields=["status", "derived", "updated_at"])
    return True


@transaction.atomic
def agreements_mark_replaced(*, today: datetime.date, by) -> int:
    """Daily: predecessors of successors in force since today or earlier become "ersetzt". Idempotent."""
    AGREEMENT.change.require(by)
    successors = Agreement.objects.filter(
        predecessor__status__in=[Agreement.Status.IN_KRAFT, Agreement.Status.AUSGELAUFEN],
        status=Agreement.Status.IN_KRAFT,
        term_start__lte=today,
    )
    return sum(_mark_replaced(successor, by=by, today=today) for successor in successors)


# --- obligations and measures ---------------------------------------------------------------------------------
def obligation_rule_errors(obligation: Obligation, *, party_ids=None) -> dict:
    """Rule violations of an obligation: the obligor is a party of the agreement. `party_ids` are the
    organisation ids of the parties (None: the saved parties), e.g. as typed in the admin's party inline."""
    errors: dict[str, list[str]] = {}
    if obligation.obligor_id is None:
        return errors
    if party_ids is None:
        party_ids = _party_ids(obligation.agreement)
    if obligation.obligor_id not in party_ids:
        _add(errors, "obligor", message("cooperations.obligor_not_party"))
    return errors


@transaction.atomic
def obligation_save(*, obligation: Obligation, by, today: datetime.date | None = None) -> Obligation:
    """Validates and saves an obligation. One still "offen" whose due date has passed is saved as "verspätet" at
    once, as the daily run would mark it."""
    OBLIGATION.for_save(obligation).require(by)
    today = today or timezone.localdate()
    if obligation.status == Obligation.Status.OFFEN and obligation.due_on and obligation.due_on < today:
        obligation.status = Obligation.Status.VERSPAETET
    obligation.full_clean()
    _raise(obligation_rule_errors(obligation))
    obligation.save()
    return obligation


@transaction.atomic
def obligation_create(*, by, **fields) -> Obligation:
    return obligation_save(obligation=Obligation(**fields), by=by)


@transaction.atomic
def measure_save(*, measure: Measure, by, participants=None, update_fields: list[str] | None = None) -> Measure:
    """Validates and saves a measure; `participants` (None: unchanged) are set after the checks."""
    MEASURE.for_save(measure).require(by)
    participants = None if participants is None else list(participants)
    _raise(measure_rule_errors(measure, measure.agreement, participants=participants))
    measure.full_clean()
    measure.save(update_fields=update_fields)
    if participants is not None:
        measure.participants.set(participants)
    return measure


@transaction.atomic
def measure_update(*, measure: Measure, by, participants=None, **fields) -> Measure:
    """Changes the given fields of a measure (PATCH); `participants` None leaves them as they are."""
    MEASURE.change.require(by)
    participants = None if participants is None else list(participants)
    if participants is not None:
        _raise(measure_rule_errors(measure, measure.agreement, participants=participants))
    model_update(
        instance=measure,
        fields=MEASURE_FIELDS,
        data=fields,
        save=lambda measure, update_fields: measure_save(measure=measure, by=by, update_fields=update_fields),
    )
    if participants is not None:
        measure.participants.set(participants)
    return measure


@transaction.atomic
def measure_create(*, by, participants=(), **fields) -> Measure:
    return measure_save(measure=Measure(**fields), participants=participants, by=by)


@transaction.atomic
def milestone_save(*, milestone: Milestone, by) -> Milestone:
    MILESTONE.for_save(milestone).require(by)
    milestone.full_clean()
    milestone.save()
    return milestone


# --- sources --------------------------------------------------------------------------------------------------
@transaction.atomic
def source_create(*, agreement: Agreement, title: str, publisher: str, by, file=None, **fields) -> Source:
    """A source with URL or uploaded PDF. The file is checked (PDF, size) before anything is written."""
    SOURCE.add.require(by)
    if file is not None:
        try:
            validate_pdf(file)
        except ValidationError as error:
            raise ValidationError({"file": error.messages}) from error
    source = Source(agreement=agreement, title=title, publisher=publisher, **fields)
    if file is not None:
        source.file = file
    source.full_clean()
    source.save()
    return source


@transaction.atomic
def source_save(*, source: Source, by) -> Source:
    SOURCE.for_save(source).require(by)
    source.full_clean()
    source.save()
    return source


# --- Wahlperioden -----------------------------------------------------------------------------------------------
@transaction.atomic
def wahlperiode_save(*, wahlperiode: Wahlperiode, by, update_fields: list[str] | None = None) -> Wahlperiode:
    """Validates and saves a corrected Wahlperiode; the derived ends of the agreements that run until its end
    follow."""
    WAHLPERIODE.for_save(wahlperiode).require(by)
    wahlperiode.full_clean()
    wahlperiode.save(update_fields=update_fields)
    for agreement in wahlperiode.agreements.all():
        agreement.wahlperiode = wahlperiode
        agreement_save(agreement=agreement, by=by, stamp=False)  # the derived end follows: no new facts
    return wahlperiode


@transaction.atomic
def wahlperiode_update(*, wahlperiode: Wahlperiode, by, **fields) -> Wahlperiode:
    """Corrects the given fields of a Wahlperiode (see `wahlperiode_save`)."""
    WAHLPERIODE.for_save(wahlperiode).require(by)
    model_update(
        instance=wahlperiode,
        fields=WAHLPERIODE_FIELDS,
        data=fields,
        save=lambda period, update_fields: wahlperiode_save(wahlperiode=period, by=by, update_fields=update_fields),
    )
    return wahlperiode


# --- the daily run ----------------------------------------------------------------------------------------------
@transaction.atomic
def agreements_refresh_terms(*, by) -> int:
    """Recomputes the stored term start/end of every agreement; returns how many changed."""
    AGREEMENT.change.require(by)
    changed = 0
    for agreement in Agreement.objects.select_related("wahlperiode"):
        start, end = agreement.compute_term_start(), agreement.compute_term_end()
        if (start, end) != (agreement.term_start, agreement.term_end):
            agreement.term_start, agreement.term_end = start, end
            agreement.save(update_fields=["term_start", "term_end", "updated_at"])
            changed += 1
    return changed


@transaction.atomic
def agreements_expire(*, today: datetime.date, by) -> int:
    """Agreements "in Kraft" whose term ended before today become "ausgelaufen" (saved one by one, so the
    history records each change). Returns how many changed; a second run changes nothing."""
    AGREEMENT.change.require(by)
    changed = 0
    for agreement in Agreement.objects.filter(status=Agreement.Status.IN_KRAFT, term_end__lt=today):
        agreement.status = Agreement.Status.AUSGELAUFEN
        agreement.derived = {
            **(agreement.derived or {}),
            "status": message("cooperations.expired_derived", day=agreement.term_end.strftime("%d.%m.%Y")),
        }
        agreement.save(update_fields=["status", "derived", "updated_at"])
        changed += 1
    return changed


@transaction.atomic
def obligations_mark_late(*, today: datetime.date, by) -> int:
    """Open obligations past their due date become "verspätet". Idempotent."""
    OBLIGATION.change.require(by)
    changed = 0
    for obligation in Obligation.objects.filter(status=Obligation.Status.OFFEN, due_on__lt=today):
        obligation.status = Obligation.Status.VERSPAETET
        obligation.save(update_fields=["status"])
        changed += 1
    return changed


def _reminder_context(reminder) -> dict:
    agreement, obligation = reminder.agreement, reminder.obligation
    return {
        "agreement": agreement,
        "obligation": obligation,
        "target": reminder.target.strftime("%d.%m.%Y"),
        "days": (reminder.target - reminder.send_on).days,
        "admin_url": absolute_url(reminder.admin_path),
        "public_url": absolute_url(reminder.public_path),
        "fallback_group": reminders.fallback_group(),
    }


def _reminder_subject(reminder) -> str:
    if reminder.obligation is not None:
        return _("Verpflichtung fällig am %(date)s: %(title)s") % {
            "date": reminder.target.strftime("%d.%m.%Y"),
            "title": reminder.obligation.title,
        }
    return _("Vereinbarung endet am %(date)s: %(title)s") % {
        "date": reminder.target.strftime("%d.%m.%Y"),
        "title": reminder.agreement.title,
    }


def _send_reminder(reminder) -> None:
    """One message to the responsible person; one per member of the fallback group, each with its own opt-out."""
    template = "reminder_obligation_due" if reminder.obligation is not None else "reminder_agreement_ending"
    subject, context = _reminder_subject(reminder), _reminder_context(reminder)
    ids = [recipient.user_id for recipient in reminder.recipients]
    users = {user.pk: user for user in get_user_model().objects.filter(pk__in=ids)}
    for recipient in reminder.recipients:
        user = users[recipient.user_id]
        optout = "" if recipient.mandatory else notifications.optout_path(user, reminders.NOTIFICATION_KIND)
        send_mail_message(
            to=[recipient.email],
            subject=subject,
            template=template,
            context={**context, "mandatory": recipient.mandatory},
            optout_path=optout,
        )


def _send_once(reminder, *, now) -> str:
    """Records the reminder and sends it, both or neither: the unique constraint on ReminderLog makes a second
    run (or a parallel one) skip it; a failed send rolls the record back, so the next run retries. Returns
    "sent", "unreached" (recorded without recipients, logged) or "skipped" (sent before)."""
    key = {
        "kind": reminder.kind,
        "object_id": reminder.object_id,
        "threshold_days": reminder.threshold,
        "target_date": reminder.target,
    }
    try:
        with transaction.atomic():
            log, created = ReminderLog.objects.select_for_update().get_or_create(
                **key, defaults={"recipients": "", "sent_at": None, "checked_at": now}
            )
            if log.sent_at is not None:
                return "skipped"
            log.checked_at = now
            if not reminder.recipients:
                log.save(update_fields=["checked_at"])
                logger.warning(
                    "reminder %s #%s (target %s) found no recipient: no responsible person, group %r has no "
                    "reachable member",
                    reminder.kind,
                    reminder.object_id,
                    reminder.target,
                    reminders.fallback_group(),
                )
                return "unreached"
            log.recipients, log.sent_at = ", ".join(reminder.emails), now
            log.save(update_fields=["recipients", "sent_at", "checked_at"])
            _send_reminder(reminder)
    except IntegrityError:
        return "skipped"
    return "sent"


def reminders_send(*, today: datetime.date, by) -> dict:
    """E-mails about agreements in force ending within 90 days and open obligations due within 30 days, once per
    item, threshold and end/due date (`cooperations.reminders`). Returns the numbers sent and unreached."""
    REMINDERS_SEND.require(by)
    counts = defaultdict(int)
    now = timezone.now()
    for reminder in reminders.due(today):
        outcome = _send_once(reminder, now=now)
        group = "obligations" if reminder.obligation is not None else "agreements"
        counts[f"{group}_{outcome}"] += 1
    return {
        "agreements": counts["agreements_sent"],
        "obligations": counts["obligations_sent"],
        "agreements_unreached": counts["agreements_unreached"],
        "obligations_unreached": counts["obligations_unreached"],
    }


def cooperations_daily(*, by, today: datetime.date | None = None) -> dict:
    """The daily run: refresh derived terms, expire ended agreements, mark late obligations, send reminders.
    Safe to run any number of times a day."""
    today = today or timezone.localdate()
    result = {
        "terms_refreshed": agreements_refresh_terms(by=by),
        "expired": agreements_expire(today=today, by=by),
        "late": obligations_mark_late(today=today, by=by),
        "replaced": agreements_mark_replaced(today=today, by=by),
    }
    sent = reminders_send(today=today, by=by)
    result["reminded_agreements"] = sent["agreements"]
    result["reminded_obligations"] = sent["obligations"]
    result["unreached_agreements"] = sent["agreements_unreached"]
    result["unreached_obligations"] = sent["obligations_unreached"]
    if result["unreached_agreements"] or result["unreached_obligations"]:
        logger.warning("cooperations daily run: reminders without recipient: %s", result)
    else:
        logger.info("cooperations daily run: %s", result)
    return result
