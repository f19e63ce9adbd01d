"""Concurrent clicks on 拨付: several finance officers (or one double click) paying the same tranche at
once — exactly one payment is made, the others are refused with the tranche-paid message, and the
ledger still reconciles. The project row lock (SELECT … FOR UPDATE on PostgreSQL, the IMMEDIATE
transaction on SQLite) makes the check and the write one step."""

import datetime as dt
import threading

from django.db import connection

from techfund.core.errors import ServiceError
from techfund.core.models import Account
from techfund.core.services import ledger
from techfund.projects import services
from techfund.projects.models import Payment


def test_concurrent_payments_of_one_tranche_pay_it_once(committing_db, running, contract, finance):
    tranche = contract.tranches.get(seq=1)
    n = 6
    errors, barrier = [], threading.Barrier(n)

    def worker(i):
        try:
            barrier.wait(timeout=30)
            services.pay_tranche(
                tranche,
                actor=finance,
                treasury_ref=f"GK-CONC-{i}",
                paid_on=dt.date(2026, 10, 28),
                today=dt.date(2026, 11, 2),
            )
        except ServiceError as exc:
            errors.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(errors) == ["tranche_paid"] * (n - 1)
    assert Payment.objects.filter(tranche=tranche).count() == 1
    project = running
    unpaid = ledger.balance(Account.objects.get(code=f"fund:2026:commitment:{project.number}"))
    paid = ledger.balance(Account.objects.get(code=f"fund:2026:disbursed:{project.number}"))
    assert paid == tranche.amount and unpaid + paid == project.amount
