"""The interest-subsidy computation to the fen: the three RULES.md examples as policy variants, and
the conventions of ``techfund.subsidies.compute`` (segments, day basis, caps, rounding). Pure: no
database. Every expected amount is worked out by hand in the comment beside it."""

import datetime as dt
from decimal import Decimal as D

import pytest

from techfund.core.errors import ServiceError
from techfund.subsidies.compute import Flow, LoanTerms, Policy, RatePoint, compute, segments, uncovered

d = dt.date

#: Published 1-year and 5-year LPRs (全国银行间同业拆借中心) and the PBOC benchmark, as the office
#: would have entered them.
RATES = [
    RatePoint("lpr", "1y", d(2023, 8, 21), D("3.45")),
    RatePoint("lpr", "1y", d(2024, 7, 22), D("3.35")),
    RatePoint("lpr", "1y", d(2024, 10, 21), D("3.10")),
    RatePoint("lpr", "1y", d(2025, 5, 20), D("3.00")),
    RatePoint("lpr", "5y", d(2024, 2, 20), D("3.95")),
    RatePoint("lpr", "5y", d(2024, 7, 22), D("3.85")),
    RatePoint("lpr", "5y", d(2024, 10, 21), D("3.60")),
    RatePoint("lpr", "5y", d(2025, 5, 20), D("3.50")),
    RatePoint("benchmark", "1y", d(2015, 10, 24), D("4.35")),
    RatePoint("benchmark", "5y", d(2015, 10, 24), D("4.90")),
]

BASE = {
    "reference_rate": "lpr",
    "reference_tenor": "1y",
    "day_basis": 360,
    "day_count": "fixed",
    "per_enterprise_cap": None,
    "once_per_enterprise": False,
    "capped_by_interest_paid": True,
    "paid_after_interest": True,
}
#: 重庆: 50% of the interest at the benchmark rate, at most 300,000 per enterprise.
CHONGQING = {
    **BASE,
    "subsidy_ratio": "0.50",
    "reference_rate": "benchmark",
    "per_enterprise_cap": "300000.00",
}
#: 山东“鲁科贷”: 40% of the interest paid, at most 500,000, once per enterprise.
SHANDONG = {
    **BASE,
    "subsidy_ratio": "0.40",
    "reference_tenor": "by_term",
    "per_enterprise_cap": "500000.00",
    "once_per_enterprise": True,
}
#: 苏州: 30%, the rate capped at the LPR.
SUZHOU = {**BASE, "subsidy_ratio": "0.30"}

YEAR_2025 = (d(2025, 1, 1), d(2025, 12, 31))
JAN_1_2025, JAN_1_2026 = d(2025, 1, 1), d(2026, 1, 1)


def loan(principal, rate, start=JAN_1_2025, maturity=JAN_1_2026, drawdowns=None, repayments=()):
    principal = D(principal)
    draws = drawdowns if drawdowns is not None else [(start, principal)]
    return LoanTerms(
        principal=principal,
        annual_rate=D(rate),
        start=start,
        maturity=maturity,
        drawdowns=tuple(Flow(on, D(a)) for on, a in draws),
        repayments=tuple(Flow(on, D(a)) for on, a in repayments),
    )


def amounts(result):
    return [(s.start, s.end, s.days, s.rate_used, s.amount) for s in result.segments]


def test_chongqing_half_of_benchmark_interest_capped_at_300k():
    policy = Policy.from_rules(CHONGQING)
    # 15,000,000 at 5.00 % > benchmark 4.35 %: 15,000,000 × 4.35 % × 50 % × 365/360
    #   = 652,500 × 0.5 × 365/360 = 330,781.25 → capped at 300,000.00 (interest paid 760,416.67 at 5 %)
    r = compute(policy, loan("15000000.00", "5.00"), RATES, *YEAR_2025, interest_paid=D("760416.67"))
    assert amounts(r) == [(d(2025, 1, 1), d(2025, 12, 31), 365, D("4.35"), D("330781.25"))]
    assert (r.gross, r.amount, r.bound_by) == (D("330781.25"), D("300000.00"), "enterprise")
    # 5,000,000: 5,000,000 × 4.35 % × 50 % × 365/360 = 110,260.4166… → 110,260.42 (no cap binds)
    r = compute(policy, loan("5000000.00", "5.00"), RATES, *YEAR_2025, interest_paid=D("253472.22"))
    assert (r.amount, r.bound_by) == (D("110260.42"), "")


def test_shandong_40_percent_of_interest_paid_capped_at_500k():
    policy = Policy.from_rules(SHANDONG)
    # 50,000,000 at 2.80 % (below the LPR all year, so 40 % of the interest paid), two-year loan → 1y LPR;
    # the LPR change on 2025-05-20 cuts the year: 1-01…5-19 = 139 days, 5-20…12-31 = 226 days.
    #   50,000,000 × 2.80 % × 40 % = 560,000 a year
    #   560,000 × 139/360 = 216,222.222… → 216,222.22
    #   560,000 × 226/360 = 351,555.555… → 351,555.56        gross 567,777.78 → capped at 500,000.00
    two_years = loan("50000000.00", "2.80", maturity=d(2027, 1, 1))
    r = compute(policy, two_years, RATES, *YEAR_2025, interest_paid=D("1419444.44"))
    assert amounts(r) == [
        (d(2025, 1, 1), d(2025, 5, 19), 139, D("2.80"), D("216222.22")),
        (d(2025, 5, 20), d(2025, 12, 31), 226, D("2.80"), D("351555.56")),
    ]
    assert [s.reference_rate for s in r.segments] == [D("3.10"), D("3.00")]
    assert r.gross == D("567777.78") == (D("1400000") * 365 / 360 * D("0.4")).quantize(D("0.01"))
    assert (r.amount, r.bound_by) == (D("500000.00"), "enterprise")


def test_suzhou_30_percent_with_the_rate_capped_at_lpr():
    policy = Policy.from_rules(SUZHOU)
    # 10,000,000 at 4.20 % > LPR: 1-01…5-19 at 3.10 %, 5-20…12-31 at 3.00 %
    #   10,000,000 × 3.10 % × 30 % × 139/360 = 93,000 × 139/360 = 35,908.333… → 35,908.33
    #   10,000,000 × 3.00 % × 30 % × 226/360 = 90,000 × 226/360 = 56,500.00
    #   total 92,408.33 (no enterprise cap in this variant)
    r = compute(policy, loan("10000000.00", "4.20"), RATES, *YEAR_2025, interest_paid=D("425833.33"))
    assert amounts(r) == [
        (d(2025, 1, 1), d(2025, 5, 19), 139, D("3.10"), D("35908.33")),
        (d(2025, 5, 20), d(2025, 12, 31), 226, D("3.00"), D("56500.00")),
    ]
    assert (r.gross, r.amount, r.bound_by) == (D("92408.33"), D("92408.33"), "")
    assert r.breakdown()["segments"][0] == {
        "start": "2025-01-01",
        "end": "2025-05-19",
        "days": 139,
        "principal": "10000000.00",
        "actual_rate": "4.20",
        "reference_rate": "3.10",
        "rate_used": "3.10",
        "ratio": "0.30",
        "day_basis": 360,
        "amount": "35908.33",
    }


def test_two_lpr_changes_in_one_period():
    policy = Policy.from_rules({**BASE, "subsidy_ratio": "0.50"})
    # 2,000,000 at 3.50 %, 2024-07-01…12-31; LPR 3.45 → 3.35 (7-22) → 3.10 (10-21)
    #   7-01…7-21  21 days at 3.45: 2,000,000 × 3.45 % × 50 % = 34,500 × 21/360 = 2,012.50
    #   7-22…10-20 91 days at 3.35: 33,500 × 91/360 = 8,468.055… → 8,468.06
    #   10-21…12-31 72 days at 3.10: 31,000 × 72/360 = 6,200.00          total 16,680.56
    r = compute(
        policy,
        loan("2000000.00", "3.50", start=d(2024, 7, 1), maturity=d(2025, 7, 1)),
        RATES,
        d(2024, 7, 1),
        d(2024, 12, 31),
    )
    assert amounts(r) == [
        (d(2024, 7, 1), d(2024, 7, 21), 21, D("3.45"), D("2012.50")),
        (d(2024, 7, 22), d(2024, 10, 20), 91, D("3.35"), D("8468.06")),
        (d(2024, 10, 21), d(2024, 12, 31), 72, D("3.10"), D("6200.00")),
    ]
    assert r.amount == D("16680.56")


def test_partial_drawdowns_and_a_repayment():
    policy = Policy.from_rules({**BASE, "subsidy_ratio": "0.50"})
    # 6,000,000 at 3.00 % (≤ LPR: rate used 3.00): drawn 3,000,000 on 3-01 and 3,000,000 on 7-01,
    # 1,000,000 repaid on 10-01.
    #   1-01…2-28 nothing drawn: no segment
    #   3-01…5-19  80 days × 3,000,000: 45,000 × 80/360 = 10,000.00   (LPR 3.10)
    #   5-20…6-30  42 days × 3,000,000: 45,000 × 42/360 =  5,250.00   (LPR 3.00)
    #   7-01…9-30  92 days × 6,000,000: 90,000 × 92/360 = 23,000.00
    #   10-01…12-31 92 days × 5,000,000: 75,000 × 92/360 = 19,166.666… → 19,166.67   total 57,416.67
    terms = loan(
        "6000000.00",
        "3.00",
        maturity=d(2028, 1, 1),
        drawdowns=[(d(2025, 3, 1), "3000000.00"), (d(2025, 7, 1), "3000000.00")],
        repayments=[(d(2025, 10, 1), "1000000.00")],
    )
    r = compute(policy, terms, RATES, *YEAR_2025)
    assert [(s.start, s.days, s.principal, s.amount) for s in r.segments] == [
        (d(2025, 3, 1), 80, D("3000000.00"), D("10000.00")),
        (d(2025, 5, 20), 42, D("3000000.00"), D("5250.00")),
        (d(2025, 7, 1), 92, D("6000000.00"), D("23000.00")),
        (d(2025, 10, 1), 92, D("5000000.00"), D("19166.67")),
    ]
    assert r.amount == D("57416.67")


def test_capped_by_the_interest_actually_paid():
    policy = Policy.from_rules({**BASE, "subsidy_ratio": "1.00", "reference_tenor": "1y"})
    # A full subsidy on a 3.00 % loan (below the LPR: rate used 3.00 %), cut at the LPR change of 5-20:
    #   1,000,000 × 3.00 % × 100 % = 30,000 a year; × 139/360 = 11,583.333… → 11,583.33;
    #   × 226/360 = 18,833.333… → 18,833.33; gross 30,416.66 (rounded per segment)
    # but the bank charged on a 365-day basis: 30,000.00 paid → the subsidy is 30,000.00
    r = compute(policy, loan("1000000.00", "3.00"), RATES, *YEAR_2025, interest_paid=D("30000.00"))
    assert (r.gross, r.amount, r.bound_by) == (D("30416.66"), D("30000.00"), "interest_paid")
    # not capped when the policy says so
    free = Policy.from_rules({**BASE, "subsidy_ratio": "1.00", "capped_by_interest_paid": False})
    r = compute(free, loan("1000000.00", "3.00"), RATES, *YEAR_2025, interest_paid=D("30000.00"))
    assert (r.amount, r.bound_by) == (D("30416.66"), "")


def test_per_enterprise_cap_across_two_claims():
    policy = Policy.from_rules(CHONGQING)
    # first claim (2025): 5,000,000 × 4.35 % × 50 % × 365/360 = 110,260.42
    first = compute(policy, loan("5000000.00", "4.35"), RATES, *YEAR_2025)
    assert first.amount == D("110260.42")
    # second claim (2026-01-01…06-30, 181 days) on another loan: 20,000,000 × 4.35 % × 50 % × 181/360
    #   = 435,000 × 181/360 = 218,708.333… → 218,708.33, but only 300,000 − 110,260.42 = 189,739.58 is left
    second = compute(
        policy,
        loan("20000000.00", "4.35", start=d(2026, 1, 1), maturity=d(2027, 1, 1)),
        RATES,
        d(2026, 1, 1),
        d(2026, 6, 30),
        enterprise_used=first.amount,
    )
    assert (second.gross, second.amount, second.bound_by) == (D("218708.33"), D("189739.58"), "enterprise")
    # once the cap is used up nothing is left
    third = compute(policy, loan("5000000.00", "4.35"), RATES, *YEAR_2025, enterprise_used=D("300000.00"))
    assert (third.amount, third.bound_by) == (D("0.00"), "enterprise")


def test_capped_by_the_project_commitment_and_caps_in_order():
    policy = Policy.from_rules(CHONGQING)
    # gross 330,781.25; interest paid 310,000.00 binds first, then the commitment left (200,000.00) is lower
    r = compute(
        policy,
        loan("15000000.00", "5.00"),
        RATES,
        *YEAR_2025,
        interest_paid=D("310000.00"),
        commitment_left=D("200000.00"),
    )
    assert [(c.code, c.limit) for c in r.caps] == [
        ("interest_paid", D("310000.00")),
        ("enterprise", D("300000.00")),
        ("commitment", D("200000.00")),
    ]
    assert (r.amount, r.bound_by) == (D("200000.00"), "commitment")


@pytest.mark.parametrize(
    "day_count, basis, expected",
    [
        # 1,000,000 at 3.00 % (below every 2024 LPR) × 50 % = 15,000 a year; 2024 has 366 days, cut by the
        # LPR changes into 203 + 91 + 72 days:
        # 360: 15,000×203/360 = 8,458.333→8,458.33; ×91/360 = 3,791.666→3,791.67; ×72/360 = 3,000.00 → 15,250.00
        ("fixed", 360, D("15250.00")),
        # 365: 15,000×203/365 = 8,342.465→8,342.47; ×91/365 = 3,739.726→3,739.73; ×72/365 = 2,958.904→2,958.90
        #      → 15,041.10 (a leap year pays one day more than a year's subsidy)
        ("fixed", 365, D("15041.10")),
        # actual: 15,000×203/366 = 8,319.672→8,319.67; ×91/366 = 3,729.508→3,729.51; ×72/366 = 2,950.819→2,950.82
        #      → 15,000.00 (exactly a year's subsidy)
        ("actual", 360, D("15000.00")),
    ],
)
def test_leap_year_day_basis(day_count, basis, expected):
    policy = Policy.from_rules({**BASE, "subsidy_ratio": "0.50", "day_count": day_count, "day_basis": basis})
    terms = loan("1000000.00", "3.00", start=d(2024, 1, 1), maturity=d(2025, 1, 1))
    r = compute(policy, terms, RATES, d(2024, 1, 1), d(2024, 12, 31))
    assert [s.days for s in r.segments] == [203, 91, 72]
    assert r.amount == expected


def test_actual_day_count_cuts_at_new_year():
    policy = Policy.from_rules({**BASE, "subsidy_ratio": "0.50", "day_count": "actual"})
    # 15,000 a year: December 2024 = 31/366 → 1,270.4918… → 1,270.49; January 2025 = 31/365 → 1,273.9726… → 1,273.97
    terms = loan("1000000.00", "3.00", start=d(2024, 6, 1), maturity=d(2025, 6, 1))
    r = compute(policy, terms, RATES, d(2024, 12, 1), d(2025, 1, 31))
    assert [(s.start, s.days, s.day_basis, s.amount) for s in r.segments] == [
        (d(2024, 12, 1), 31, 366, D("1270.49")),
        (d(2025, 1, 1), 31, 365, D("1273.97")),
    ]
    assert r.amount == D("2544.46")


def test_five_year_lpr_for_a_long_loan_and_no_subsidy_after_maturity():
    policy = Policy.from_rules({**SHANDONG, "per_enterprise_cap": None})
    seven_years = loan("1000000.00", "4.00", maturity=d(2032, 1, 1))
    r = compute(policy, seven_years, RATES, *YEAR_2025)
    assert r.reference == {"kind": "lpr", "tenor": "5y"}
    assert [s.reference_rate for s in r.segments] == [D("3.60"), D("3.50")]
    # matures on 2025-07-01: interest up to 6-30 (the maturity day excluded): 139 + 42 days
    short = loan("1000000.00", "2.00", maturity=d(2025, 7, 1))
    r = compute(policy, short, RATES, *YEAR_2025)
    assert [(s.start, s.end, s.days) for s in r.segments] == [
        (d(2025, 1, 1), d(2025, 5, 19), 139),
        (d(2025, 5, 20), d(2025, 6, 30), 42),
    ]


def test_a_day_without_a_reference_rate_is_refused_with_the_day_named():
    policy = Policy.from_rules(SUZHOU)
    with pytest.raises(ServiceError) as exc:
        compute(
            policy,
            loan("1000000.00", "4.00", start=d(2023, 1, 1), maturity=d(2024, 1, 1)),
            RATES,
            d(2023, 1, 1),
            d(2023, 12, 31),
        )
    assert exc.value.code == "reference_rate_missing"
    assert "2023-01-01" in exc.value.message and "LPR" in exc.value.message


def test_a_missing_rule_is_refused_not_defaulted():
    with pytest.raises(ServiceError) as exc:
        Policy.from_rules({k: v for k, v in SUZHOU.items() if k != "day_basis"})
    assert exc.value.code == "policy_incomplete"
    assert "day_basis" in exc.value.message


def test_uncovered_days():
    policy = Policy.from_rules(SUZHOU)
    segs = segments(policy, loan("1000000.00", "3.00"), RATES, *YEAR_2025)
    quarters = [
        (d(2025, 1, 1), d(2025, 3, 31)),
        (d(2025, 4, 1), d(2025, 6, 30)),
        (d(2025, 10, 1), d(2025, 12, 31)),
    ]
    assert uncovered(segs, quarters) == [(d(2025, 7, 1), d(2025, 9, 30))]
    assert uncovered(segs, [*quarters, (d(2025, 7, 1), d(2025, 9, 30))]) == []
