"""Partner banks and pools: registration, funding from the focus area, top-ups, the year-end return of
the unused balance, and the ledger identity funded = balance + paid − returned."""

import datetime as dt
from decimal import Decimal

import pytest

from techfund.core.enums import OrganisationKind
from techfund.core.errors import NotAllowed, ServiceError
from techfund.riskpool import accounts
from techfund.riskpool import services as rp
from techfund.riskpool.enums import MovementKind
from tests import factories
from tests.riskpool.conftest import (
    FIRST_HALF,
    FUNDED,
    balance,
    claim,
    file_months,
    nothing_saved,
    register,
    through_approval,
)


def area(fy) -> Decimal:
    return balance(f"fund:{fy.year}:area:key_rd")


def test_bank_must_be_a_bank_with_a_valid_agreement(office):
    org = factories.organisation()
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        rp.register_bank(
            actor=office,
            organisation=org,
            code="Bad Code",
            agreement_ref="",
            agreement_start="2026-01-01",
            agreement_end="2025-01-01",
            bank_share="1.5",
        )
    assert set(exc.value.errors) == {"organisation", "code", "agreement_ref", "agreement_end", "bank_share"}


def test_bank_share_below_the_policy_minimum(fund_year, office, finance):
    bank = rp.register_bank(
        actor=office,
        organisation=factories.organisation(kind=OrganisationKind.BANK),
        code="low",
        agreement_ref="X",
        agreement_start=dt.date(2026, 1, 1),
        agreement_end=dt.date(2027, 1, 1),
        bank_share="0.2",
    )
    with pytest.raises(ServiceError) as exc:
        rp.open_pool(
            fund_year, actor=finance, bank=bank, focus_area="key_rd", department="science_technology"
        )
    assert exc.value.errors["bank"] == [f"{bank} 合作协议约定银行自担 20%，低于政策规定的下限 30%。"]


def test_funding_top_up_and_year_end_return(
    fund_year, pool, finance, office, office2, st_officer, borrower, bank
):
    assert area(fund_year) == Decimal("5000000.00") - FUNDED
    assert balance(f"fund:2026:riskpool:{bank.code}") == FUNDED
    top = rp.fund_pool(pool, actor=finance, amount="500000.00", note="追加")
    assert top.kind == MovementKind.TOP_UP
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        rp.fund_pool(pool, actor=finance, amount="1500000.01")
    assert exc.value.code == "area_insufficient"
    with pytest.raises(NotAllowed):
        rp.fund_pool(pool, actor=office, amount="1")
    # an approved claim keeps its money in the pool at year end
    ln = register(pool, office, borrower)
    file_months(ln, office, FIRST_HALF)
    c = through_approval(claim(ln, office, loss="1000000.00"), office2, st_officer)
    back = rp.return_balance(pool, actor=finance, today=dt.date(2026, 12, 31))
    assert back.amount == Decimal("3500000.00") - c.compensation
    f = accounts.pool_figures([pool])[pool.pk]
    assert f["balance"] == c.compensation
    assert f["funded"] == c.compensation  # 3,000,000 + 500,000 − 3,200,000 returned
    assert f["funded"] == f["balance"] + f["paid"] - f["returned"]
    assert area(fund_year) == Decimal("5000000.00") - c.compensation
    with pytest.raises(ServiceError) as exc:
        rp.return_balance(pool, actor=finance)
    assert exc.value.code == "nothing_to_return"


def test_one_pool_per_bank_and_year(fund_year, pool, bank, finance):
    with pytest.raises(ServiceError) as exc:
        rp.open_pool(
            fund_year, actor=finance, bank=bank, focus_area="key_rd", department="science_technology"
        )
    assert "已设立风险补偿资金池" in exc.value.errors["bank"][0]
