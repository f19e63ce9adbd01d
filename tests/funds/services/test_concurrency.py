"""Simultaneous requests: the fund year is locked first in every service, so the checks (pool
balance, one open framework, state) and the writes are one step on both databases."""

import threading
from decimal import Decimal

from django.db import connection

from techfund.core.errors import ServiceError
from techfund.core.models import Account, JournalEntry
from techfund.core.services import audit, ledger
from techfund.funds import services
from techfund.funds.models import Framework
from tests import factories
from tests.funds.conftest import contribute


def run_together(*calls):
    errors, barrier = [], threading.Barrier(len(calls))

    def worker(call):
        try:
            barrier.wait(timeout=30)
            call()
        except ServiceError as exc:
            errors.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def test_two_voids_that_together_overdraw_the_pool(committing_db, fund_year, office, leader):
    a = contribute(fund_year, office, "st_innovation", "60.00")
    b = contribute(fund_year, office, "technical_renovation", "60.00")
    contribute(fund_year, office, "provincial_st", "100.00")
    fw = services.propose_framework(fund_year, actor=office, allocations={"key_rd": "120.00"})
    services.submit_framework(fw, actor=office)
    services.approve_framework(fw, actor=leader)  # pool: 220 - 120 = 100; each void fits, both do not
    errors = run_together(
        lambda: services.void_contribution(a, actor=office, reason="甲"),
        lambda: services.void_contribution(b, actor=office, reason="乙"),
    )
    assert errors == ["pool_insufficient"]
    assert ledger.balance(Account.objects.get(code=f"fund:{fund_year.year}:pool")) == Decimal("40.00")
    assert services.summary(fund_year)["reconciliation"]["ok"] is True
    assert audit.verify().ok


def test_one_approval_of_a_framework_however_many_leaders_click(committing_db, fund_year, office):
    contribute(fund_year, office, "st_innovation", "1000.00")
    fw = services.propose_framework(
        fund_year, actor=office, allocations={"key_rd": "300.00", "platforms": "200.00"}
    )
    services.submit_framework(fw, actor=office)
    leaders = [factories.user("leading_group") for _ in range(3)]
    errors = run_together(*[lambda u=u: services.approve_framework(fw, actor=u) for u in leaders])
    assert errors == ["transition_not_allowed", "transition_not_allowed"]
    assert JournalEntry.objects.filter(code="fund.framework.allocation").count() == 2
    assert services.summary(fund_year)["pool_unallocated"] == Decimal("500.00")
    assert audit.verify().ok


def test_one_open_framework_however_many_proposals(committing_db, fund_year, office):
    contribute(fund_year, office, "st_innovation", "1000.00")
    errors = run_together(
        *[lambda: services.propose_framework(fund_year, actor=office, allocations={"key_rd": "1.00"})] * 3
    )
    assert errors == ["framework_open_exists", "framework_open_exists"]
    assert Framework.objects.filter(fund_year=fund_year).count() == 1
