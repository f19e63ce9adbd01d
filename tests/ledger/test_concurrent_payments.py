"""Many payments fired at one contract at once on PostgreSQL (issue 6 item 5): finance officers paying
parts of a tranche by hand (``pay_tranche``) and instructing the treasury for it
(``instruct_tranche``), all in the same instant, then the treasury's confirmations imported. The
contract is never overpaid, every refusal is a ``ServiceError`` (never an IntegrityError, a deadlock or
a 500) and the year reconciles afterwards (``funds.reconcile``)."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from techfund.core.errors import ServiceError
from techfund.funds.reconcile import reconcile
from techfund.projects import services
from techfund.projects.models import Payment
from tests.treasury.conftest import account, confirmation_csv, paid_row  # noqa: F401 - account: a fixture

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks (SELECT … FOR UPDATE) between threads need PostgreSQL; SQLite serialises "
        "every write transaction, so there is nothing concurrent to test",
    ),
    pytest.mark.django_db(transaction=True),
]

N = 12
PAID_ON = dt.date(2026, 10, 28)
TODAY = dt.date(2026, 11, 2)


def at_once(calls) -> tuple[list[str], list[BaseException]]:
    """Run ``calls`` at the same instant, each in its own thread and connection: the codes of the
    ServiceErrors they raised, and any other exception (which fails the test)."""
    barrier, refused, crashed = threading.Barrier(len(calls)), [], []

    def worker(call):
        try:
            barrier.wait(timeout=30)
            call()
        except ServiceError as exc:
            refused.append(exc.code)
        except BaseException as exc:  # noqa: BLE001 - reported below
            crashed.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a payment never finished (a deadlock?)"
    return refused, crashed


def paid(tranche) -> Decimal:
    return Payment.objects.filter(tranche=tranche).aggregate(s=Sum("amount"))["s"] or Decimal("0")


def test_twelve_part_payments_at_once_never_overpay(committing_db, running, contract, finance, fund_year):
    first = contract.tranches.get(seq=1)  # 2,400,000
    part = Decimal("250000.00")
    refused, crashed = at_once(
        [
            lambda i=i: services.pay_tranche(
                first, actor=finance, treasury_ref=f"GK-C-{i}", paid_on=PAID_ON, amount=part, today=TODAY
            )
            for i in range(N)
        ]
    )
    assert crashed == []
    # 9 × 250,000 = 2,250,000 fit in the tranche; the other three are refused, whatever the order.
    assert sorted(refused) == ["exceeds_tranche"] * 3
    assert paid(first) == Decimal("2250000.00")
    report = reconcile(fund_year)
    assert report.ok, report.text()


def test_hand_payments_and_treasury_instructions_at_once_never_overpay(
    committing_db,
    running,
    contract,
    finance,
    fund_year,
    account,  # noqa: F811
):
    first, second = contract.tranches.get(seq=1), contract.tranches.get(seq=2)
    services.pay_tranche(first, actor=finance, treasury_ref="GK-C-FIRST", paid_on=PAID_ON, today=TODAY)
    part = Decimal("300000.00")  # 1,600,000 / 300,000: at most 5 fit in the second tranche
    calls = []
    for i in range(N):
        if i % 2:
            calls.append(
                lambda i=i: services.pay_tranche(
                    second, actor=finance, treasury_ref=f"GK-C-{i}", paid_on=PAID_ON, amount=part, today=TODAY
                )
            )
        else:
            calls.append(lambda: services.instruct_tranche(second, actor=finance, amount=part))
    refused, crashed = at_once(calls)
    assert crashed == []
    assert len(refused) == N - 5 and set(refused) <= {"exceeds_tranche"}, refused
    from techfund.treasury import services as treasury
    from techfund.treasury.models import PaymentInstruction

    instructions = list(PaymentInstruction.objects.filter(source_id=str(second.pk)))
    assert paid(second) + sum(i.amount for i in instructions) == 5 * part
    # The treasury confirms every instruction: the import of the file, twice at once, pays each once.
    if instructions:
        batch = treasury.create_batch(fund_year, actor=finance)
        treasury.export_batch(batch, actor=finance, fmt="csv")
        data = confirmation_csv([paid_row(ins, f"GK-T-{ins.pk}") for ins in instructions])
        refused, crashed = at_once([lambda: treasury.import_confirmations(batch, data, actor=finance)] * 2)
        assert crashed == [] and refused == []
    assert paid(second) == 5 * part
    assert paid(first) + paid(second) <= running.amount
    report = reconcile(fund_year)
    assert report.ok, report.text()
    assert report["treasury_confirmed"].actual == sum(i.amount for i in instructions)
