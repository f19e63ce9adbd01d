"""Registering loans (every eligibility reason, all listed at once) and their monthly filings."""

import datetime as dt
from decimal import Decimal

import pytest

from techfund.core.enums import CreditStatus, Qualification
from techfund.core.errors import NotAllowed, ServiceError
from techfund.riskpool import filing
from techfund.riskpool import services as rp
from techfund.riskpool.enums import LoanState
from tests import factories
from tests.riskpool.conftest import FIRST_HALF, REGISTERED_ON, file_months, loan_data, nothing_saved, register


def refusal(pool, office, borrower, **kw) -> ServiceError:
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        register(pool, office, borrower, **kw)
    return exc.value


def test_registers_at_the_caps(loan, borrower):
    assert loan.end_date == dt.date(2029, 1, 15)
    assert loan.state == LoanState.ACTIVE
    assert rp.covered_balance(borrower) == Decimal("8000000.00")


def test_not_a_tech_sme(pool, office):
    org = factories.organisation(qualifications=[Qualification.HIGH_TECH])
    e = refusal(pool, office, org)
    assert e.code == "loan_ineligible"
    assert "不是已登记的科技型中小企业" in e.errors["borrower"][0]


def test_blocked_borrower(pool, office):
    org = factories.organisation(qualifications=[Qualification.TECH_SME], credit_status=CreditStatus.BLOCKED)
    assert "失信惩戒" in refusal(pool, office, org).errors["borrower"][0]


def test_rate_above_1_5_times_benchmark(pool, office, borrower):
    e = refusal(pool, office, borrower, rate="5.1751")
    assert e.errors["rate"] == ["贷款年利率 5.1751% 超过基准利率 3.45% 的 1.5 倍（5.175%）。"]


def test_term_above_3_years(pool, office, borrower):
    e = refusal(pool, office, borrower, term_months=37)
    assert e.errors["term_months"] == ["贷款期限 37 个月超过政策上限 3 年（36 个月）。"]


def test_covered_balance_per_enterprise_across_banks(pool, office, borrower, loan, fund_year, finance):
    # A second bank: the enterprise's balance counts across every partner bank.
    from techfund.core.enums import OrganisationKind

    other = rp.register_bank(
        actor=office,
        organisation=factories.organisation(kind=OrganisationKind.BANK),
        code="other",
        agreement_ref="X",
        agreement_start=dt.date(2026, 1, 1),
        agreement_end=dt.date(2027, 12, 31),
        bank_share="0.5",
    )
    pool2 = rp.open_pool(
        fund_year, actor=finance, bank=other, focus_area="key_rd", department="science_technology"
    )
    e = refusal(pool2, office, borrower, principal="2000000.01")
    assert e.errors["principal"] == [
        "借款企业已纳入补偿的贷款余额 8,000,000.00 元，加上本笔 2,000,000.01 元为 10,000,000.01 元，超过每家企业上限 10,000,000.00 元。"
    ]
    # the latest filed balance counts, not the principal: after repaying to 6,000,000 it fits
    file_months(loan, office, [(2026, 1)], outstanding=Decimal("6000000.00"))
    assert rp.covered_balance(borrower) == Decimal("6000000.00")
    register(pool2, office, borrower, principal="4000000.00")


def test_every_reason_listed_at_once(pool, office):
    org = factories.organisation()
    e = refusal(
        pool,
        office,
        org,
        principal="12000000.00",
        rate="6",
        term_months=48,
        start_date=dt.date(2025, 12, 1),
        guarantee_type="x",
    )
    assert set(e.errors) == {"borrower", "principal", "rate", "term_months", "start_date", "guarantee_type"}
    assert "start_date" in e.errors and "合作协议期" in e.errors["start_date"][0]


def test_duplicate_contract(loan, pool, office, borrower):
    e = refusal(pool, office, borrower, principal="1000.00")
    assert e.errors["contract_number"] == ["日照银行股份有限公司 的借款合同 RZ-2026-001 已登记。"]


def test_only_office_registers(pool, finance, borrower):
    with pytest.raises(NotAllowed):
        rp.register_loan(pool, actor=finance, borrower=borrower, today=REGISTERED_ON, **loan_data())


def test_filing_due_date_and_late(loan, office):
    (on_time,) = file_months(loan, office, [(2026, 1)])
    (late,) = file_months(loan, office, [(2026, 2)], late=True)
    assert on_time.due_on == dt.date(2026, 2, 10) and on_time.on_time
    assert late.due_on == dt.date(2026, 3, 10) and not late.on_time
    gaps = rp.loan_gaps(loan, today=dt.date(2026, 5, 11))
    # February was late, March and April are missing (April's filing was due 2026-05-10)
    assert gaps == [dt.date(2026, 2, 1), dt.date(2026, 3, 1), dt.date(2026, 4, 1)]


def test_filing_checks(loan, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        rp.file_month(
            loan,
            actor=office,
            month=dt.date(2026, 3, 1),
            outstanding="9000000.00",
            filed_on=dt.date(2026, 3, 20),
            today=dt.date(2026, 3, 25),
        )
    assert set(exc.value.errors) == {"filed_on", "outstanding"}
    file_months(loan, office, [(2026, 1)])
    with pytest.raises(ServiceError) as exc:
        file_months(loan, office, [(2026, 1)])
    assert exc.value.errors["month"] == ["2026-01 已备案。"]


def test_zero_balance_marks_the_loan_repaid(loan, office):
    rp.file_month(
        loan,
        actor=office,
        month=dt.date(2026, 1, 1),
        outstanding="0",
        filed_on=dt.date(2026, 2, 3),
        today=dt.date(2026, 2, 3),
    )
    loan.refresh_from_db()
    assert loan.state == LoanState.REPAID


def test_filing_rule_helpers():
    rules = {"filing_due_day": 10}
    assert filing.due_on(dt.date(2026, 12, 1), rules) == dt.date(2027, 1, 10)
    assert filing.months(dt.date(2026, 11, 30), dt.date(2027, 2, 1)) == [
        dt.date(2026, 11, 1),
        dt.date(2026, 12, 1),
        dt.date(2027, 1, 1),
        dt.date(2027, 2, 1),
    ]
    assert FIRST_HALF[0] == (2026, 1)


def test_benchmark_from_the_reference_rate_table(pool, office, borrower):
    """No benchmark filed: the one-year LPR in force on the drawdown date is used (3.00% from
    2025-05-20), so 4.6% > 1.5 × 3.00% = 4.5% is refused and 4.5% accepted."""
    from techfund.subsidies.services import rates

    e = refusal(pool, office, borrower, benchmark_rate="", benchmark_basis="")
    assert "参考利率表中没有 2026-01-15 适用的一年期LPR" in e.errors["benchmark_rate"][0]
    rates.record_rate(
        actor=office,
        kind="lpr",
        tenor="1y",
        effective_from="2025-05-20",
        rate="3.00",
        source="全国银行间同业拆借中心",
    )
    rates.record_rate(
        actor=office,
        kind="lpr",
        tenor="1y",
        effective_from="2026-02-20",
        rate="2.90",
        source="全国银行间同业拆借中心",
    )
    e = refusal(pool, office, borrower, benchmark_rate="", benchmark_basis="", rate="4.6")
    assert e.errors["rate"] == ["贷款年利率 4.6% 超过基准利率 3% 的 1.5 倍（4.5%）。"]
    loan = register(pool, office, borrower, benchmark_rate=None, benchmark_basis="", rate="4.5")
    assert loan.benchmark_rate == Decimal("3.00")
    assert loan.benchmark_basis == "一年期贷款市场报价利率（LPR）3%，2025-05-20起执行（参考利率表）"
