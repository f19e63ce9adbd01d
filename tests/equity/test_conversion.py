"""先投后股: conversion at a later round's post-money valuation, with the same stake checks."""

from decimal import Decimal

import pytest

from techfund.core.errors import NotAllowed, ServiceError
from techfund.equity import services
from techfund.equity.models import CapTableEntry, Conversion
from tests.equity.conftest import LATER, assert_identity, nothing_saved

ROUND_CAP = [
    {"name": "创始人王海", "share": "0.42"},
    {"name": "A轮领投基金", "share": "0.22"},
    {"name": "员工持股平台", "share": "0.10"},
]


def convert(inv, office, **kw):
    data = {
        "round_name": "A轮融资",
        "post_money_valuation": "16000000.00",
        "round_date": LATER,
        "evidence": "A轮增资协议（2027-06-20）及工商变更登记",
        "cap_table": ROUND_CAP,
        "today": LATER,
    }
    data.update(kw)
    return services.record_conversion(inv, actor=office, **data)


def test_converts_at_the_later_valuation(ite_paid, office):
    # 3,000,000 / 16,000,000 = 0.1875 → 18.75 % (largest other 42 %)
    conv = convert(ite_paid, office)
    ite_paid.refresh_from_db()
    assert conv.share == Decimal("0.187500")
    assert (conv.converted_amount, conv.invested_amount, conv.unconverted) == (
        Decimal("3000000.00"),
        Decimal("3000000.00"),
        Decimal("0.00"),
    )
    assert (ite_paid.state, ite_paid.share) == ("converted", Decimal("0.187500"))
    assert ite_paid.post_money_valuation == Decimal("16000000.00")
    assert ite_paid.pre_money_valuation == Decimal("13000000.00")
    assert CapTableEntry.objects.filter(conversion=conv).count() == 3
    assert_identity(ite_paid)  # conversion moves no money


def test_odd_valuation_rounds_half_up(ite_paid, office):
    # 3,000,000 / 17,000,000 = 0.17647058… → 0.176471
    conv = convert(ite_paid, office, post_money_valuation="17000000.00")
    assert conv.share == Decimal("0.176471")


def test_refused_with_both_reasons_and_the_convertible_amount(ite_paid, office):
    # 3,000,000 / 10,000,000 = 30 % > 25 %, and above the largest other (28 %)
    cap = [{"name": "创始人王海", "share": "0.28"}, {"name": "A轮领投基金", "share": "0.27"}]
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        convert(ite_paid, office, post_money_valuation="10000000.00", cap_table=cap)
    msg = str(exc.value.message)
    assert exc.value.code == "stake_refused"
    assert "持股比例 30.00% 超过上限 25%。" in msg
    assert "超过最大的其他股东“创始人王海”（28.00%），将成为第一大股东" in msg
    assert "最多可转股 2,500,000.00 元" in msg
    # the office converts the smaller part; the rest stays invested at cost
    conv = convert(ite_paid, office, post_money_valuation="10000000.00", cap_table=cap, amount="2500000.00")
    assert conv.share == Decimal("0.250000")
    assert conv.unconverted == Decimal("500000.00")
    assert_identity(ite_paid)


def test_refused_when_equal_to_largest(ite_paid, office):
    # 3,000,000 / 15,000,000 = 20 % = the founder's 20 %
    cap = [{"name": "创始人王海", "share": "0.20"}, {"name": "乙", "share": "0.15"}]
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        convert(ite_paid, office, post_money_valuation="15000000.00", cap_table=cap)
    assert "持股相同也视为第一大股东" in str(exc.value.message)
    # the share is kept to 6 places: 2,999,992.50 / 15,000,000 = 0.1999995 would round up to 20.0000 %,
    # 2,999,992.49 / 15,000,000 = 0.19999949… rounds to 19.9999 %
    assert "最多可转股 2,999,992.49 元" in str(exc.value.message)
    conv = convert(ite_paid, office, post_money_valuation="15000000.00", cap_table=cap, amount="2999992.49")
    assert conv.share == Decimal("0.199999")


def test_only_invest_then_equity_converts(direct_paid, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        convert(direct_paid, office)
    assert exc.value.code == "not_invest_then_equity"


def test_not_before_the_money_is_paid(ite, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        convert(ite, office)
    assert exc.value.code == "investment_state"


def test_not_twice(ite_paid, office):
    convert(ite_paid, office)
    with nothing_saved(), pytest.raises(ServiceError):
        convert(ite_paid, office)
    assert Conversion.objects.count() == 1


def test_only_the_office(ite_paid, finance):
    with nothing_saved(), pytest.raises(NotAllowed):
        convert(ite_paid, finance)


def test_amount_beyond_invested_refused(ite_paid, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        convert(ite_paid, office, amount="3000000.01")
    assert "转股金额 3,000,000.01 元超过已出资金额 3,000,000.00 元" in str(exc.value.message)
