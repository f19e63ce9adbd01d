"""reconcile() over risk compensation (风险补偿): a bank's pool funded from a focus area, a default
claim paid through the treasury (riskpool → riskpaid) and the bank's recovery returned to the pool —
the year reconciles, and a compensation posted without its claim is found."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from techfund.core.services import ledger
from techfund.funds.reconcile import reconcile
from techfund.riskpool import services as rp
from tests.riskpool.conftest import *  # noqa: F403
from tests.riskpool.conftest import (
    FIRST_HALF,
    bank_account,
    claim,
    file_months,
    pay,
    register,
    through_approval,
)

pytestmark = pytest.mark.django_db


def test_funding_a_paid_claim_and_a_recovery_reconcile(
    fund_year, pool, office, office2, st_officer, borrower, finance, finance2, bank_org
):
    bank_account(bank_org, finance, finance2)
    report = reconcile(fund_year)
    assert report.ok, report.text()
    funded = report["risk_pool"].expected
    assert funded > 0 and report["areas"].ok
    loan = register(pool, office, borrower, principal="2000000.00")
    file_months(loan, office, FIRST_HALF)
    c = pay(through_approval(claim(loan, office, loss="1234567.89"), office2, st_officer), finance)
    report = reconcile(fund_year)
    assert report.ok, report.text()
    assert report["risk_pool"].actual == funded + c.compensation
    assert report["treasury_confirmed"].actual == c.compensation
    r = rp.record_recovery(
        c,
        actor=finance,
        amount="400000.00",
        recovered_on=dt.date(2026, 9, 1),
        evidence="执行款",
        today=dt.date(2026, 9, 2),
    )
    report = reconcile(fund_year)
    assert report.ok, report.text()
    assert report["risk_pool"].actual == funded + c.compensation + r.returned

    # Compensation moved out of the pool without a claim: found.
    with transaction.atomic():
        ledger.transfer(
            pool.account, pool.paid_account, "1000.00", code="rogue.claim", memo="", year=fund_year.year
        )
    failed = {c.code for c in reconcile(fund_year).failed}
    assert {"risk_pool", "entries_referenced_once"} <= failed
    assert Decimal("1000.00") == reconcile(fund_year)["risk_pool"].difference
