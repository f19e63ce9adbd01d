"""Claims through the policy's steps, by different people; refusals with their reasons; caps; the
pool's balance; payment through the treasury; recoveries back to the pool; the ledger identity."""

import datetime as dt
from decimal import Decimal

import pytest

from techfund.core.errors import NotAllowed, NotVisible, ServiceError
from techfund.core.models import AuditEvent
from techfund.core.services import ledger
from techfund.riskpool import accounts
from techfund.riskpool import services as rp
from techfund.riskpool.enums import ClaimState, LoanState
from techfund.riskpool.models import DefaultClaim
from techfund.treasury import services as treasury
from tests.riskpool.conftest import (
    FIRST_HALF,
    FUNDED,
    PAID_ON,
    balance,
    bank_account,
    claim,
    confirm,
    file_months,
    nothing_saved,
    pay,
    register,
    set_rules,
    through_approval,
)

# With the presets: credit loan, 30%; public cap min(0.80, 0.70) = 70%.
LOSS = Decimal("1000000.00")
COMP = Decimal("300000.00")


def figures(pool) -> dict:
    return accounts.pool_figures([pool])[pool.pk]


def assert_identity(pool) -> None:
    f = figures(pool)
    assert f["funded"] == f["balance"] + f["paid"] - f["returned"]
    assert f["paid_net"] == f["paid"] - f["returned"]
    assert f["balance"] == balance(f"fund:2026:riskpool:{pool.bank.code}")
    assert ledger.trial_balance()["total"] == 0


@pytest.fixture
def claimed(filed, office):
    return claim(filed, office, loss=str(LOSS))


@pytest.fixture
def approved(claimed, office2, st_officer):
    return through_approval(claimed, office2, st_officer)


@pytest.fixture
def account(bank_org, finance, finance2):
    return bank_account(bank_org, finance, finance2)


def test_claim_steps_by_different_people(
    claimed, office, office2, st_officer, other_officer, finance, account, pool
):
    assert claimed.state == ClaimState.CLAIMED and claimed.compensation == COMP
    claimed.loan.refresh_from_db()
    assert claimed.loan.state == LoanState.DEFAULTED
    # the one who recorded the claim may not review it
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        rp.review_claim(claimed, actor=office, decision="approve")
    assert exc.value.code == "same_person"
    # the department may not approve before the agency's review
    with pytest.raises(ServiceError) as exc:
        rp.approve_claim(claimed, actor=st_officer, decision="approve")
    assert exc.value.code == "claim_state"
    rp.review_claim(claimed, actor=office2, decision="approve", today=dt.date(2026, 7, 20))
    claimed.refresh_from_db()
    assert claimed.state == ClaimState.REVIEWED
    # an officer of another department does not see the claim; finance may not approve
    with pytest.raises(NotVisible):
        rp.approve_claim(claimed, actor=other_officer, decision="approve")
    with pytest.raises(NotAllowed):
        rp.approve_claim(claimed, actor=finance, decision="approve")
    rp.approve_claim(claimed, actor=st_officer, decision="approve", today=dt.date(2026, 7, 25))
    claimed.refresh_from_db()
    assert claimed.state == ClaimState.APPROVED
    assert (claimed.claimed_by, claimed.reviewed_by, claimed.approved_by) == (office, office2, st_officer)
    # finance pays through the treasury; the pool's money moves only on the confirmation
    instruction = rp.instruct_payment(claimed, actor=finance)
    claimed.refresh_from_db()
    assert claimed.state == ClaimState.INSTRUCTED
    assert figures(pool)["balance"] == FUNDED
    with pytest.raises(ServiceError) as exc:
        rp.instruct_payment(claimed, actor=finance)
    assert exc.value.code == "claim_state"
    assert treasury.pending_amount(claimed) == COMP
    assert instruction.purpose == "risk_claim" and instruction.payee == claimed.loan.bank.organisation
    confirm(instruction, finance)
    claimed.refresh_from_db()
    assert claimed.state == ClaimState.PAID and claimed.paid_on == PAID_ON and claimed.entry is not None
    f = figures(pool)
    assert (f["balance"], f["paid"], f["paid_net"]) == (FUNDED - COMP, COMP, COMP)
    assert treasury.pending_amount(claimed) == 0
    assert_identity(pool)
    actions = list(
        AuditEvent.objects.filter(action__startswith="riskpool.claim.").values_list("action", flat=True)
    )
    assert actions == [
        "riskpool.claim.submitted",
        "riskpool.claim.reviewed",
        "riskpool.claim.approved",
        "riskpool.claim.instructed",
        "riskpool.claim.paid",
    ]


def test_returned_instruction_makes_the_claim_payable_again(approved, finance, account, pool):
    instruction = rp.instruct_payment(approved, actor=finance)
    confirm(instruction, finance, status="退回")
    approved.refresh_from_db()
    assert approved.state == ClaimState.APPROVED
    assert figures(pool)["balance"] == FUNDED
    pay(approved, finance)
    assert approved.state == ClaimState.PAID


def test_approver_may_not_have_taken_an_earlier_step(claimed, office2):
    """One person holding the office and the department role reviews, then may not approve."""
    from techfund.core.enums import Role
    from techfund.core.models import Department
    from techfund.core.services import people

    dept = Department.objects.get(code="science_technology")
    people.grant_role(actor=None, user=office2, role=Role.DEPARTMENT, department=dept)
    office2.forget_grants()
    rp.review_claim(claimed, actor=office2, decision="approve")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        rp.approve_claim(claimed, actor=office2, decision="approve")
    assert exc.value.code == "same_person"


def test_refusal_at_review_names_the_reason_and_frees_the_loan(claimed, office2, office):
    with pytest.raises(ServiceError) as exc:
        rp.review_claim(claimed, actor=office2, decision="refuse", opinion="")
    assert exc.value.errors["opinion"] == ["请填写审核意见。"]
    rp.review_claim(claimed, actor=office2, decision="refuse", opinion="逾期未满90天，不能认定损失")
    claimed.refresh_from_db()
    assert claimed.state == ClaimState.REFUSED and claimed.refused_reason == "逾期未满90天，不能认定损失"
    claimed.loan.refresh_from_db()
    assert claimed.loan.state == LoanState.ACTIVE
    # a new claim may follow
    again = claim(claimed.loan, office, loss="500000.00")
    assert again.number.endswith("-002")


def test_default_in_a_month_without_filing(loan, office):
    file_months(loan, office, FIRST_HALF[:5])  # January–May filed, June not
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        claim(loan, office, loss="100000.00")
    assert exc.value.errors["default_date"] == ["该笔贷款 2026-06 未按时备案，该月发生的违约不予补偿。"]


def test_default_in_a_month_filed_late(loan, office):
    file_months(loan, office, FIRST_HALF[:5])
    file_months(loan, office, [(2026, 6)], late=True)
    with pytest.raises(ServiceError) as exc:
        claim(loan, office, loss="100000.00")
    assert "未按时备案" in exc.value.errors["default_date"][0]


def test_claim_checks_listed_at_once(filed, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        claim(filed, office, loss="9000000.00", other_public="9500000.00")
    assert set(exc.value.errors) == {"loss", "other_public"}
    assert "超过贷款本金 8,000,000.00 元" in exc.value.errors["loss"][0]


def test_loss_above_the_filed_balance(loan, office):
    file_months(loan, office, FIRST_HALF, outstanding=Decimal("5000000.00"))
    with pytest.raises(ServiceError) as exc:
        claim(loan, office, loss="5000000.01")
    assert exc.value.errors["loss"] == [
        "本金损失 5,000,000.01 元超过 2026-06 备案的贷款余额 5,000,000.00 元。"
    ]


def test_per_enterprise_compensation_cap(fund_year, pool, office, office2, st_officer, borrower):
    set_rules(fund_year, per_enterprise_compensation_cap="400000.00")
    a = register(pool, office, borrower, contract_number="A", principal="1000000.00")
    b = register(pool, office, borrower, contract_number="B", principal="1000000.00")
    for loan in (a, b):
        file_months(loan, office, FIRST_HALF)
    ca = through_approval(claim(a, office, loss="1000000.00"), office2, st_officer)
    assert ca.compensation == Decimal("300000.00")
    cb = claim(b, office, loss="1000000.00")
    # 400,000 − 300,000 already approved = 100,000 left
    assert (cb.computed, cb.compensation, cb.breakdown["bound_by"]) == (
        Decimal("300000.00"),
        Decimal("100000.00"),
        "enterprise_cap",
    )


def test_pool_insufficient_refused_with_the_numbers(pool, finance, office, office2, st_officer, borrower):
    small = pool
    a = register(small, office, borrower, contract_number="A", principal="6000000.00")
    b = register(small, office, borrower, contract_number="B", principal="4000000.00")
    for loan in (a, b):
        file_months(loan, office, FIRST_HALF)
    # a: 6,000,000 × 30% = 1,800,000 approved; b: 4,000,000 × 30% = 1,200,000 + 1,800,000 = 3,000,000 fits
    through_approval(claim(a, office, loss="6000000.00"), office2, st_officer)
    cb = claim(b, office, loss="4000000.00")
    rp.review_claim(cb, actor=office2, decision="approve")
    # c on another borrower exceeds: only 0 left
    from techfund.core.enums import Qualification
    from tests import factories

    other = factories.organisation(qualifications=[Qualification.TECH_SME])
    c = register(small, office, other, contract_number="C", principal="100000.00")
    file_months(c, office, FIRST_HALF)
    rp.approve_claim(cb, actor=st_officer, decision="approve")
    cc = claim(c, office, loss="100000.00")
    rp.review_claim(cc, actor=office2, decision="approve")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        rp.approve_claim(cc, actor=st_officer, decision="approve")
    assert exc.value.code == "pool_insufficient"
    assert exc.value.message == (
        "2026 日照银行股份有限公司风险补偿资金池不足以支付DC-2026-rzbank-003核定补偿 30,000.00 元："
        "余额 3,000,000.00 元，其他已审批待拨付 3,000,000.00 元，可用 0.00 元。"
    )
    # finance tops the pool up: then it passes
    rp.fund_pool(small, actor=finance, amount="30000.00")
    rp.approve_claim(cc, actor=st_officer, decision="approve")
    assert DefaultClaim.objects.get(pk=cc.pk).state == ClaimState.APPROVED


def test_recovery_returned_to_the_pool(
    fund_year, pool, office, office2, st_officer, borrower, finance, account
):
    """Anhui (a) again: 308,641.97 paid on 1,234,567.89; the bank recovers 400,000.00 → 100,000.00 back,
    then 834,567.89 (the rest of the loss) → 208,641.97 (what is left of the compensation)."""
    set_rules(fund_year, ratio_guaranteed="0.20", bonus_first_or_ip="0.05")
    loan = register(
        pool, office, borrower, principal="2000000.00", guarantee_type="guaranteed", first_loan=True
    )
    file_months(loan, office, FIRST_HALF)
    c = pay(through_approval(claim(loan, office, loss="1234567.89"), office2, st_officer), finance)
    assert c.compensation == Decimal("308641.97")
    with pytest.raises(NotAllowed):
        rp.record_recovery(c, actor=office, amount="1", recovered_on=dt.date(2026, 9, 1), evidence="x")
    r1 = rp.record_recovery(
        c,
        actor=finance,
        amount="400000.00",
        recovered_on=dt.date(2026, 9, 1),
        evidence="法院执行款到账凭证",
        today=dt.date(2026, 9, 2),
    )
    assert r1.returned == Decimal("100000.00")
    f = figures(pool)
    assert (f["paid"], f["returned"], f["balance"]) == (
        Decimal("308641.97"),
        Decimal("100000.00"),
        FUNDED - Decimal("308641.97") + Decimal("100000.00"),
    )
    assert_identity(pool)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        rp.record_recovery(
            c,
            actor=finance,
            amount="834567.90",
            recovered_on=dt.date(2026, 9, 1),
            evidence="x",
            today=dt.date(2026, 9, 2),
        )
    assert "超过本金损失 1,234,567.89 元" in exc.value.errors["amount"][0]
    r2 = rp.record_recovery(
        c,
        actor=finance,
        amount="834567.89",
        recovered_on=dt.date(2026, 9, 1),
        evidence="x",
        today=dt.date(2026, 9, 2),
    )
    # 834,567.89 × 308,641.97 ÷ 1,234,567.89 = 208,641.97… capped at 308,641.97 − 100,000.00 = 208,641.97
    assert r2.returned == Decimal("208641.97")
    f = figures(pool)
    assert f["paid_net"] == 0 and f["balance"] == FUNDED
    assert_identity(pool)


def test_recovery_needs_a_paid_claim(approved, finance):
    with pytest.raises(ServiceError) as exc:
        rp.record_recovery(
            approved, actor=finance, amount="1", recovered_on=dt.date(2026, 9, 1), evidence="x"
        )
    assert exc.value.code == "claim_not_paid"


def test_policy_without_agency_review(fund_year, claimed, st_officer, office2):
    set_rules(fund_year, claim_steps=["bank_claim", "department_approval", "payment"])
    with pytest.raises(ServiceError) as exc:
        rp.review_claim(claimed, actor=office2, decision="approve")
    assert exc.value.code == "step_not_in_policy"
    rp.approve_claim(claimed, actor=st_officer, decision="approve")
    claimed.refresh_from_db()
    assert claimed.state == ClaimState.APPROVED and claimed.reviewed_by is None
