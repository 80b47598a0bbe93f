"""The invariant under real concurrency: two transactions on two connections approve against one line."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection

from funding import services
from funding.models import Drawdown
from funding.services import FundingConflict

from .factories import BudgetLineFactory, DrawdownFactory, finance_user

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Zeilensperren (SELECT … FOR UPDATE) gibt es nur auf PostgreSQL; "
        "mit DATABASE_URL=postgres://postgres@127.0.0.1/itvsh_funding ausführen",
    ),
]


def test_two_concurrent_approvals_cannot_overdraw_a_line(monkeypatch):
    line = BudgetLineFactory(planned_amount=Decimal("10000.00"))
    first, second = (
        DrawdownFactory(line=line, amount=Decimal("6000.00"), status=Drawdown.Status.GEPRUEFT) for _ in range(2)
    )
    approvers = [finance_user(username="freigabe1"), finance_user(username="freigabe2")]

    # Widen the window between the check and the write: without the row lock both would pass the check.
    original_check = services.check_available

    def slow_check(*args, **kwargs):
        original_check(*args, **kwargs)
        time.sleep(0.5)

    monkeypatch.setattr(services, "check_available", slow_check)

    barrier = threading.Barrier(2)
    outcomes = {}

    def approve(drawdown, user):
        try:
            barrier.wait(timeout=5)
            services.drawdown_approve(drawdown=drawdown, by=user)
            outcomes[drawdown.pk] = "ok"
        except FundingConflict as error:
            outcomes[drawdown.pk] = error.messages[0]
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=approve, args=pair) for pair in zip((first, second), approvers, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert sorted(outcomes.values()) == ["Abruf übersteigt den verfügbaren Betrag von 4.000,00\u00a0€.", "ok"]
    statuses = sorted(Drawdown.objects.values_list("status", flat=True))
    assert statuses == ["freigegeben", "geprueft"]
    assert services.committed_amount(line) == Decimal("6000.00")
