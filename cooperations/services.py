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
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from audit.context import PROVENANCE_FIELDS, stamp_provenance
from common.authorization import Rule, model_rules
from common.messages import message
from common.params import check_date
from common.services import editable_fields, model_update

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

AGREEMENT_REMINDER_DAYS = 90
OBLIGATION_REMINDER_DAYS = 30
REMINDER_GROUP = "Kooperationen"

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


def measure_rule_errors(measure: Measure, agreement: Agreement) -> dict:
    """Rule violations of a measure against its agreement's term."""
    errors: dict[str, list[str]] = {}
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
    AMENDMENT.for_save(amendment).require(by)
    amendment.full_clean()
    amendment.save()
    return amendment


# --- obligations and measures ---------------------------------------------------------------------------------
def obligation_rule_errors(obligation: Obligation, *, party_ids=None) -> dict:
    """Rule violations of an obligation: the obligor is a party of the agreement. `party_ids` are the
    organisation ids of the parties (None: the saved parties), e.g. as typed in the admin's party inline."""
    errors: dict[str, list[str]] = {}
    if obligation.obligor_id is None:
        return errors
    if party_ids is None:
        party_ids = set(obligation.agreement.parties.values_list("organisation_id", flat=True))
    if obligation.obligor_id not in party_ids:
        _add(errors, "obligor", message("cooperations.obligor_not_party"))
    return errors


@transaction.atomic
def obligation_save(*, obligation: Obligation, by) -> Obligation:
    OBLIGATION.for_save(obligation).require(by)
    obligation.full_clean()
    _raise(obligation_rule_errors(obligation))
    obligation.save()
    return obligation


@transaction.atomic
def obligation_create(*, by, **fields) -> Obligation:
    return obligation_save(obligation=Obligation(**fields), by=by)


@transaction.atomic
def measure_save(*, measure: Measure, by, participants=None, update_fields: list[str] | None = None) -> Measure:
    MEASURE.for_save(measure).require(by)
    _raise(measure_rule_errors(measure, measure.agreement))
    measure.full_clean()
    measure.save(update_fields=update_fields)
    if participants is not None:
        measure.participants.set(participants)
    return measure


@transaction.atomic
def measure_update(*, measure: Measure, by, participants=None, **fields) -> Measure:
    """Changes the given fields of a measure (PATCH); `participants` None leaves them as they are."""
    MEASURE.change.require(by)
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


def reminder_recipients(agreement: Agreement) -> list[str]:
    """The responsible user of the agreement; without one, the active members of the staff group
    "Kooperationen" (every address once, sorted)."""
    user = agreement.responsible
    if user is not None and user.is_active and user.email:
        return [user.email]
    users = get_user_model().objects.filter(groups__name=REMINDER_GROUP, is_active=True).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def _send_once(*, kind: str, object_id: int, threshold: int, target: datetime.date, recipients, subject, body) -> bool:
    """Records the reminder and sends it, both or neither: the unique constraint on ReminderLog makes a second
    run (or a parallel one) skip it; a failed send rolls the record back, so the next run retries."""
    if not recipients:
        return False
    try:
        with transaction.atomic():
            _log, created = ReminderLog.objects.get_or_create(
                kind=kind,
                object_id=object_id,
                threshold_days=threshold,
                target_date=target,
                defaults={"recipients": ", ".join(recipients)},
            )
            if not created:
                return False
            send_mail(subject, body, None, recipients)
    except IntegrityError:
        return False
    return True


def reminders_send(*, today: datetime.date, by) -> dict:
    """E-mails about agreements in force ending within 90 days and open obligations due within 30 days, once per
    item, threshold and end/due date. Returns the numbers sent."""
    REMINDERS_SEND.require(by)
    sent = defaultdict(int)
    until = today + datetime.timedelta(days=AGREEMENT_REMINDER_DAYS)
    agreements = Agreement.objects.filter(
        status=Agreement.Status.IN_KRAFT, term_end__gte=today, term_end__lte=until
    ).select_related("responsible")
    for agreement in agreements:
        subject = _("Vereinbarung endet am %(date)s: %(title)s") % {
            "date": agreement.term_end.strftime("%d.%m.%Y"),
            "title": agreement.title,
        }
        days = (agreement.term_end - today).days
        body = ngettext(
            "Die Vereinbarung „%(title)s“ endet am %(date)s (in %(days)s Tag).\n%(url)s",
            "Die Vereinbarung „%(title)s“ endet am %(date)s (in %(days)s Tagen).\n%(url)s",
            days,
        ) % {
            "title": agreement.title,
            "date": agreement.term_end.strftime("%d.%m.%Y"),
            "days": days,
            "url": agreement.get_absolute_url(),
        }
        if _send_once(
            kind=ReminderLog.Kind.AGREEMENT_ENDING,
            object_id=agreement.pk,
            threshold=AGREEMENT_REMINDER_DAYS,
            target=agreement.term_end,
            recipients=reminder_recipients(agreement),
            subject=subject,
            body=body,
        ):
            sent["agreements"] += 1
    until = today + datetime.timedelta(days=OBLIGATION_REMINDER_DAYS)
    obligations = Obligation.objects.filter(
        status=Obligation.Status.OFFEN, due_on__gte=today, due_on__lte=until
    ).select_related("agreement__responsible", "obligor")
    for obligation in obligations:
        subject = _("Verpflichtung fällig am %(date)s: %(title)s") % {
            "date": obligation.due_on.strftime("%d.%m.%Y"),
            "title": obligation.title,
        }
        body = _("„%(title)s“ (%(obligor)s) aus „%(agreement)s“ ist am %(date)s fällig.\n%(url)s") % {
            "title": obligation.title,
            "obligor": obligation.obligor,
            "agreement": obligation.agreement.title,
            "date": obligation.due_on.strftime("%d.%m.%Y"),
            "url": obligation.agreement.get_absolute_url(),
        }
        if _send_once(
            kind=ReminderLog.Kind.OBLIGATION_DUE,
            object_id=obligation.pk,
            threshold=OBLIGATION_REMINDER_DAYS,
            target=obligation.due_on,
            recipients=reminder_recipients(obligation.agreement),
            subject=subject,
            body=body,
        ):
            sent["obligations"] += 1
    return {"agreements": sent["agreements"], "obligations": sent["obligations"]}


def cooperations_daily(*, by, today: datetime.date | None = None) -> dict:
    """The daily run: refresh derived terms, expire ended agreements, mark late obligations, send reminders.
    Safe to run any number of times a day."""
    today = today or timezone.localdate()
    result = {
        "terms_refreshed": agreements_refresh_terms(by=by),
        "expired": agreements_expire(today=today, by=by),
        "late": obligations_mark_late(today=today, by=by),
    }
    reminders = reminders_send(today=today, by=by)
    result["reminded_agreements"] = reminders["agreements"]
    result["reminded_obligations"] = reminders["obligations"]
    logger.info("cooperations daily run: %s", result)
    return result
