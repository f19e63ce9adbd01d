"""The rules' arithmetic: the indirect-cost cap of 国办发〔2021〕32号 from the policy data, budget totals,
title normalisation for the duplicate check."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from techfund.applications.checks import budget_totals, indirect_cap, mask_id, normalise_title


@pytest.mark.parametrize(
    ("base", "cap"),
    [
        ("0", "0.00"),
        ("1000000", "300000.00"),
        ("5000000", "1500000.00"),
        ("5000000.01", "1500000.00"),  # 0.0025 of a fen rounds down
        ("5000004", "1500001.00"),
        ("10000000", "2750000.00"),
        ("12000000", "3150000.00"),
        ("20000000", "4750000.00"),
    ],
)
def test_indirect_cap_tiers(rizhao, base, cap):
    assert indirect_cap(rizhao, Decimal(base)) == Decimal(cap)


def test_basic_research_uses_the_flat_rate(rizhao):
    assert indirect_cap(rizhao, Decimal("12000000"), basic_research=True) == Decimal("7200000.00")


def test_the_tiers_are_data(rizhao):
    """The 2016 tiers (20/15/13) give another cap: nothing is hard-coded."""
    old = rizhao.rule("indirect_costs.superseded")[0]["tiers"]
    profile = SimpleNamespace(
        rule=lambda path, default=None: {"tiers": old} if path == "indirect_costs" else default
    )
    assert indirect_cap(profile, Decimal("12000000")) == Decimal("1000000") + Decimal("750000") + Decimal(
        "260000"
    )


def test_no_rule_no_cap():
    profile = SimpleNamespace(rule=lambda path, default=None: default)
    assert indirect_cap(profile, Decimal("1000000")) is None


def test_budget_totals():
    line = lambda c, a, e=False: SimpleNamespace(category=c, amount=Decimal(a), equipment_purchase=e)  # noqa: E731
    t = budget_totals(
        [
            line("equipment", "300", True),
            line("equipment", "50"),
            line("business", "400"),
            line("indirect", "100"),
        ]
    )
    assert (t.total, t.direct, t.equipment_purchase, t.indirect, t.base) == (
        Decimal("850"),
        Decimal("750"),
        Decimal("300"),
        Decimal("100"),
        Decimal("450"),
    )


def test_normalised_titles():
    assert normalise_title("高性能 复合材料研制！") == normalise_title("高性能复合材料研制")
    assert normalise_title("ＡＢＣ－１２３") == normalise_title("abc 123")
    assert normalise_title("高性能复合材料研制") != normalise_title("高性能复合材料应用")


def test_mask_id():
    assert mask_id("371102198001010010") == "3711**********0010"
    assert mask_id("E1234567") == "E1234567"
