"""RULES.md's two risk compensation examples, to the fen, through the services, with the policy
variant of each built here (hand arithmetic in the comments; ROUND_HALF_UP to the fen)."""

import datetime as dt
from decimal import Decimal

from techfund.riskpool import compute, services
from techfund.riskpool.enums import ClaimState
from tests.riskpool.conftest import (
    FIRST_HALF,
    claim,
    file_months,
    register,
    set_rules,
    through_approval,
)

ANHUI = {
    "ratio_credit": "0.30",
    "ratio_guaranteed": "0.20",
    "bonus_first_or_ip": "0.05",
    "max_total_share": "0.80",
    # Anhui caps the total at 80% of the party's liability: the bank keeps at least 20%.
    "bank_min_share": "0.20",
}


def test_shandong_bank_bears_at_least_30_percent(fund_year, pool, office, office2, st_officer, borrower):
    """Shandong: the city's share 40% on a credit loan, the province already compensates 40%; the bank
    must bear ≥ 30%, so all public money together is capped at 70% of the loss.

    Loan: 8,000,000.00 at 5.175% = 1.5 × the benchmark 3.45% (exactly at the cap), 36 months (3 years,
    at the cap), covered balance 8,000,000 ≤ 10,000,000: eligible.
    Loss 6,543,210.98:
      computed      = 6,543,210.98 × 0.40 = 2,617,284.392  → 2,617,284.39
      province      = 2,617,284.39 (40%, other public money)
      public cap    = 6,543,210.98 × min(0.80, 1 − 0.30) = 4,580,247.686 → 4,580,247.69
      fund cap      = 4,580,247.69 − 2,617,284.39 = 1,962,963.30  (binds)
      compensation  = 1,962,963.30; the bank bears 6,543,210.98 − 2,617,284.39 − 1,962,963.30
                    = 1,962,963.29 (30.0000%)
    """
    set_rules(fund_year, ratio_credit="0.40")
    loan = register(pool, office, borrower)
    file_months(loan, office, FIRST_HALF)
    c = claim(loan, office, loss="6543210.98", other_public="2617284.39")
    assert c.share == Decimal("0.4000")
    assert c.computed == Decimal("2617284.39")
    assert c.compensation == Decimal("1962963.30")
    assert c.breakdown["bound_by"] == "public_cap"
    c = through_approval(c, office2, st_officer)
    assert c.state == ClaimState.APPROVED
    assert c.compensation == Decimal("1962963.30")
    assert c.loss - c.other_public - c.compensation == Decimal("1962963.29")


def test_anhui_direct_guaranteed_and_bonus(fund_year, pool, office, office2, st_officer, borrower):
    """Anhui: 30% on a direct (credit) loan, 20% on a guaranteed one, +5 points for a first loan or an
    IP-pledged loan (one bonus), total public compensation ≤ 80% of the party's liability.

    (a) guaranteed first loan, loss 1,234,567.89:
        share 0.20 + 0.05 = 0.25; 1,234,567.89 × 0.25 = 308,641.9725 → 308,641.97
        cap 1,234,567.89 × 0.80 = 987,654.312 → 987,654.31 (does not bind)
    (b) IP-pledged credit loan, first loan too (still one bonus), loss 2,000,000.01, the province
        compensates 950,000.00:
        share 0.30 + 0.05 = 0.35; 2,000,000.01 × 0.35 = 700,000.0035 → 700,000.00
        cap 2,000,000.01 × 0.80 = 1,600,000.008 → 1,600,000.01; less 950,000.00 = 650,000.01 (binds)
    """
    set_rules(fund_year, **ANHUI)
    a = register(
        pool,
        office,
        borrower,
        contract_number="AH-1",
        principal="2000000.00",
        guarantee_type="guaranteed",
        first_loan=True,
    )
    b = register(
        pool,
        office,
        borrower,
        contract_number="AH-2",
        principal="3000000.00",
        guarantee_type="ip_pledge",
        first_loan=True,
    )
    for loan in (a, b):
        file_months(loan, office, FIRST_HALF)
    ca = claim(a, office, loss="1234567.89")
    assert (ca.share, ca.computed, ca.compensation) == (
        Decimal("0.2500"),
        Decimal("308641.97"),
        Decimal("308641.97"),
    )
    assert ca.breakdown["public_cap"] == "987654.31"
    cb = claim(b, office, loss="2000000.01", other_public="950000.00")
    assert (cb.share, cb.computed, cb.compensation) == (
        Decimal("0.3500"),
        Decimal("700000.00"),
        Decimal("650000.01"),
    )
    assert cb.breakdown["bound_by"] == "public_cap"


def test_pure_computation_matches():
    rules = {**ANHUI, "per_enterprise_compensation_cap": "3000000.00"}
    r = compute.compensation(rules, loss=Decimal("1234567.89"), guarantee_type="guaranteed", first_loan=True)
    assert r.amount == Decimal("308641.97")
    # credit, not first: 30%; 1,000,000.05 × 0.30 = 300,000.015 → 300,000.02 (half up)
    r = compute.compensation(rules, loss=Decimal("1000000.05"), guarantee_type="credit", first_loan=False)
    assert r.amount == Decimal("300000.02")
    # guaranteed, not first: 20%
    r = compute.compensation(rules, loss=Decimal("100.00"), guarantee_type="guaranteed", first_loan=False)
    assert r.amount == Decimal("20.00")
    # the per-enterprise cap binds: 2,900,000 already compensated, 100,000 left
    r = compute.compensation(
        rules,
        loss=Decimal("1000000.00"),
        guarantee_type="credit",
        first_loan=False,
        enterprise_compensated=Decimal("2900000.00"),
    )
    assert (r.amount, r.bound_by) == (Decimal("100000.00"), "enterprise_cap")


def test_recovery_share_to_the_fen():
    """Claim (a) above paid 308,641.97 on a loss of 1,234,567.89; the bank recovers 400,000.00:
    400,000.00 × 308,641.97 ÷ 1,234,567.89 = 99,999.99919… → 100,000.00 back to the pool."""
    assert compute.recovery_share(
        recovered=Decimal("400000.00"), loss=Decimal("1234567.89"), compensation=Decimal("308641.97")
    ) == Decimal("100000.00")
    # never more than what the fund paid less what already came back
    assert compute.recovery_share(
        recovered=Decimal("1234567.89"),
        loss=Decimal("1234567.89"),
        compensation=Decimal("308641.97"),
        returned_before=Decimal("300000.00"),
    ) == Decimal("8641.97")


def test_default_date_fixture_is_in_a_filed_month():
    assert dt.date(2026, 6, 18).month == FIRST_HALF[-1][1]
    assert services.PURPOSE == "risk_claim"
