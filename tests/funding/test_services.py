import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from common.authorization import system_actor
from funding import services
from funding.models import BudgetLine, Drawdown, DrawdownTransition
from funding.services import FundingConflict

from .factories import BudgetLineFactory, DrawdownFactory, UserFactory, finance_user

pytestmark = pytest.mark.django_db
S = Drawdown.Status
TODAY = datetime.date.today()


@pytest.fixture
def requester():
    return finance_user(username="antrag")


@pytest.fixture
def reviewer():
    return finance_user(username="pruefung")


@pytest.fixture
def approver():
    return finance_user(username="freigabe")


@pytest.fixture
def line():
    return BudgetLineFactory(planned_amount=Decimal("12345.67"))


def request(line, by, amount="1000.00"):
    return services.drawdown_request(line=line, amount=amount, purpose_text="Schulträgerberatung", by=by)


def approved(line, requester, reviewer, approver, amount="1000.00"):
    drawdown = request(line, requester, amount)
    services.drawdown_review(drawdown=drawdown, by=reviewer)
    return services.drawdown_approve(drawdown=drawdown, by=approver)


def test_full_workflow_records_every_transition(line, requester, reviewer, approver):
    drawdown = request(line, requester)
    services.drawdown_review(drawdown=drawdown, by=reviewer)
    services.drawdown_approve(drawdown=drawdown, by=approver)
    services.drawdown_pay(drawdown=drawdown, by=approver, paid_on=TODAY, payment_reference="KR-2025-17")
    drawdown.refresh_from_db()
    assert drawdown.status == S.AUSGEZAHLT
    assert (drawdown.reviewed_by, drawdown.approved_by) == (reviewer, approver)
    assert drawdown.paid_on == TODAY and drawdown.payment_reference == "KR-2025-17"
    steps = list(drawdown.transitions.values_list("from_status", "to_status", "actor__username"))
    assert steps == [
        ("", "beantragt", "antrag"),
        ("beantragt", "geprueft", "pruefung"),
        ("geprueft", "freigegeben", "freigabe"),
        ("freigegeben", "ausgezahlt", "freigabe"),
    ]
    assert drawdown.history.count() == 4  # created + three changes


def test_transition_log_is_immutable(line, requester):
    transition = request(line, requester).transitions.get()
    transition.reason = "geändert"
    with pytest.raises(ValidationError):
        transition.save()
    with pytest.raises(ValidationError):
        transition.delete()
    assert DrawdownTransition.objects.get().reason == ""


def test_four_eyes_requester_cannot_review(line, requester):
    drawdown = request(line, requester)
    with pytest.raises(FundingConflict, match="Vier-Augen-Prinzip"):
        services.drawdown_review(drawdown=drawdown, by=requester)
    drawdown.refresh_from_db()
    assert drawdown.status == S.BEANTRAGT


def test_four_eyes_requester_cannot_approve(line, requester, reviewer):
    drawdown = request(line, requester)
    services.drawdown_review(drawdown=drawdown, by=reviewer)
    with pytest.raises(FundingConflict, match="Vier-Augen-Prinzip"):
        services.drawdown_approve(drawdown=drawdown, by=requester)
    drawdown.refresh_from_db()
    assert drawdown.status == S.GEPRUEFT and drawdown.approved_by is None


def test_four_eyes_requester_cannot_record_the_payment(line, requester, reviewer, approver):
    drawdown = approved(line, requester, reviewer, approver)
    with pytest.raises(FundingConflict, match="darf ihn nicht als ausgezahlt erfassen") as refused:
        services.drawdown_pay(drawdown=drawdown, by=requester, paid_on=TODAY, payment_reference="KR-1")
    assert refused.value.code == "four_eyes"
    drawdown.refresh_from_db()
    assert drawdown.status == S.FREIGEGEBEN and drawdown.payment_reference == ""
    services.drawdown_pay(drawdown=drawdown, by=reviewer, paid_on=TODAY, payment_reference="KR-1")  # anyone else
    drawdown.refresh_from_db()
    assert drawdown.status == S.AUSGEZAHLT


def test_four_eyes_requester_cannot_reject(line, requester):
    drawdown = request(line, requester)
    with pytest.raises(FundingConflict, match="Vier-Augen-Prinzip"):
        services.drawdown_reject(drawdown=drawdown, by=requester, reason="doch nicht")


def test_four_eyes_also_held_by_database(line, requester):
    drawdown = request(line, requester)
    drawdown.status = S.FREIGEGEBEN
    drawdown.approved_by = requester
    with pytest.raises(ValidationError):
        drawdown.full_clean()


def test_invariant_message_names_available_amount_in_german_format(line, requester, reviewer, approver):
    with pytest.raises(FundingConflict) as error:
        request(line, requester, amount="12345.68")
    assert error.value.messages == ["Abruf übersteigt den verfügbaren Betrag von 12.345,67\u00a0€."]
    approved(line, requester, reviewer, approver, amount="345.67")
    with pytest.raises(FundingConflict, match="12.000,00"):
        request(line, requester, amount="12000.01")


def test_invariant_checked_again_on_approval(line, requester, reviewer, approver):
    first = request(line, requester, "8000.00")
    second = request(line, requester, "8000.00")  # both fit on their own when requested
    for drawdown in (first, second):
        services.drawdown_review(drawdown=drawdown, by=reviewer)
    services.drawdown_approve(drawdown=first, by=approver)
    with pytest.raises(FundingConflict, match="4.345,67"):
        services.drawdown_approve(drawdown=second, by=approver)
    second.refresh_from_db()
    assert second.status == S.GEPRUEFT
    assert services.available_amount(line) == Decimal("4345.67")


def test_exact_remaining_amount_can_be_approved(line, requester, reviewer, approver):
    approved(line, requester, reviewer, approver, amount="12345.67")
    assert services.available_amount(line) == Decimal("0.00")


def test_paid_drawdowns_count_towards_invariant(line, requester, reviewer, approver):
    drawdown = approved(line, requester, reviewer, approver, amount="10000.00")
    services.drawdown_pay(drawdown=drawdown, by=approver, paid_on=TODAY, payment_reference="X1")
    with pytest.raises(FundingConflict, match="2.345,67"):
        request(line, requester, amount="2345.68")


def test_rejected_and_withdrawn_release_nothing_and_need_reason(line, requester, reviewer, approver):
    drawdown = request(line, requester, "5000.00")
    with pytest.raises(ValidationError) as error:
        services.drawdown_reject(drawdown=drawdown, by=reviewer, reason="  ")
    assert "reason" in error.value.message_dict
    services.drawdown_reject(drawdown=drawdown, by=reviewer, reason="Nachweise fehlen")
    drawdown.refresh_from_db()
    assert drawdown.status == S.ABGELEHNT and drawdown.closing_reason == "Nachweise fehlen"

    other = approved(line, requester, reviewer, approver, amount="12345.67")
    services.drawdown_withdraw(drawdown=other, by=requester, reason="Projekt verschoben")
    assert services.available_amount(line) == Decimal("12345.67")
    assert other.transitions.last().reason == "Projekt verschoben"


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (S.GEPRUEFT, "review"),
        (S.FREIGEGEBEN, "review"),
        (S.BEANTRAGT, "approve"),
        (S.FREIGEGEBEN, "approve"),
        (S.AUSGEZAHLT, "approve"),
        (S.BEANTRAGT, "pay"),
        (S.GEPRUEFT, "pay"),
        (S.AUSGEZAHLT, "pay"),
        (S.FREIGEGEBEN, "reject"),
        (S.AUSGEZAHLT, "reject"),
        (S.ABGELEHNT, "reject"),
        (S.AUSGEZAHLT, "withdraw"),
        (S.ABGELEHNT, "withdraw"),
        (S.ZURUECKGEZOGEN, "withdraw"),
        (S.ZURUECKGEZOGEN, "approve"),
        (S.ABGELEHNT, "review"),
    ],
)
def test_forbidden_transitions(status, action, approver):
    extra = {"closing_reason": "weil"} if status in Drawdown.CLOSED_WITH_REASON else {}
    drawdown = DrawdownFactory(status=status, **extra)
    kwargs = {"drawdown": drawdown, "by": approver}
    if action == "pay":
        kwargs |= {"paid_on": TODAY, "payment_reference": "R"}
    if action in ("reject", "withdraw"):
        kwargs["reason"] = "Grund"
    with pytest.raises(FundingConflict, match="kann nicht"):
        services.TRANSITIONS[action](**kwargs)
    drawdown.refresh_from_db()
    assert drawdown.status == status
    assert not DrawdownTransition.objects.exists()


@pytest.mark.parametrize(
    ("status", "action", "target"),
    [
        (S.BEANTRAGT, "review", S.GEPRUEFT),
        (S.GEPRUEFT, "approve", S.FREIGEGEBEN),
        (S.FREIGEGEBEN, "pay", S.AUSGEZAHLT),
        (S.BEANTRAGT, "reject", S.ABGELEHNT),
        (S.GEPRUEFT, "reject", S.ABGELEHNT),
        (S.BEANTRAGT, "withdraw", S.ZURUECKGEZOGEN),
        (S.GEPRUEFT, "withdraw", S.ZURUECKGEZOGEN),
        (S.FREIGEGEBEN, "withdraw", S.ZURUECKGEZOGEN),
    ],
)
def test_allowed_transitions(status, action, target, approver):
    drawdown = DrawdownFactory(status=status)
    kwargs = {"drawdown": drawdown, "by": approver}
    if action == "pay":
        kwargs |= {"paid_on": TODAY, "payment_reference": "R"}
    if action in ("reject", "withdraw"):
        kwargs["reason"] = "Grund"
    services.TRANSITIONS[action](**kwargs)
    drawdown.refresh_from_db()
    assert drawdown.status == target
    assert list(drawdown.transitions.values_list("from_status", "to_status")) == [(status, target)]


def test_permissions_are_required(line):
    nobody = UserFactory()
    with pytest.raises(PermissionDenied):
        request(line, nobody)
    drawdown = DrawdownFactory(line=line)
    for action in ("review", "approve", "reject"):
        kwargs = {"reason": "x"} if action == "reject" else {}
        with pytest.raises(PermissionDenied):
            services.TRANSITIONS[action](drawdown=drawdown, by=nobody, **kwargs)
    with pytest.raises(PermissionDenied):
        services.drawdown_withdraw(drawdown=drawdown, by=nobody, reason="x")
    # the requester may withdraw her own drawdown without further permissions
    own = DrawdownFactory(line=line, requested_by=nobody)
    services.drawdown_withdraw(drawdown=own, by=nobody, reason="versehentlich")


def test_request_validation(line, requester):
    for amount, message in [
        ("0", "größer als 0"),
        ("-5", "größer als 0"),
        ("1.005", "zwei Nachkommastellen"),
        ("abc", "Betrag in Euro"),
        ("NaN", "Betrag in Euro"),
    ]:
        with pytest.raises(ValidationError, match=message):
            request(line, requester, amount)
    with pytest.raises(ValidationError) as error:
        services.drawdown_request(line=line, amount="10", purpose_text=" ", by=requester)
    assert "purpose_text" in error.value.message_dict
    assert not Drawdown.objects.exists()


@pytest.mark.parametrize(
    "status", [BudgetLine.Status.GEPLANT, BudgetLine.Status.GESPERRT, BudgetLine.Status.ABGESCHLOSSEN]
)
def test_only_committed_lines_accept_drawdowns(status, requester, approver):
    line = BudgetLineFactory(status=status)
    with pytest.raises(FundingConflict, match="zugesagt"):
        request(line, requester)
    drawdown = DrawdownFactory(line=line, status=S.GEPRUEFT)
    with pytest.raises(FundingConflict, match="zugesagt"):
        services.drawdown_approve(drawdown=drawdown, by=approver)


def test_pay_needs_date_and_reference(line, requester, reviewer, approver):
    drawdown = approved(line, requester, reviewer, approver)
    with pytest.raises(ValidationError) as error:
        services.drawdown_pay(drawdown=drawdown, by=approver, paid_on=None, payment_reference="")
    assert set(error.value.message_dict) == {"paid_on", "payment_reference"}
    with pytest.raises(ValidationError, match="Zukunft"):
        services.drawdown_pay(
            drawdown=drawdown, by=approver, paid_on=TODAY + datetime.timedelta(days=1), payment_reference="R"
        )


def test_planned_amount_cannot_drop_below_committed(line, requester, reviewer, approver):
    approved(line, requester, reviewer, approver, amount="5000.00")
    line.planned_amount = Decimal("4999.99")
    with pytest.raises(FundingConflict, match="5.000,00"):
        services.budget_line_save(line=line, by=system_actor())
    line.planned_amount = Decimal("5000.00")
    services.budget_line_save(line=line, by=system_actor())
    line.refresh_from_db()
    assert line.planned_amount == Decimal("5000.00")


def test_approximate_amount_needs_wording(line):
    line.amount_is_approximate = True
    with pytest.raises(ValidationError) as error:
        services.budget_line_save(line=line, by=system_actor())
    assert "amount_wording" in error.value.message_dict


def test_missing_year_cannot_be_marked_stated(line):
    line.fiscal_year = None
    line.year_is_stated = True
    with pytest.raises(ValidationError):
        services.budget_line_save(line=line, by=system_actor())
