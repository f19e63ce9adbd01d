"""Write-off (先投后股 failed, without blame) and exits (transfer, sale, buy-back, liquidation):
proposed by the office, confirmed by another person in finance; the gain/loss arithmetic to the fen,
the ledger identity invested = held + returned principal + written off, and refusals that change nothing."""

from decimal import Decimal

import pytest

from techfund.core.errors import NotAllowed, ServiceError
from techfund.core.services import ledger
from techfund.equity import services
from techfund.equity.models import WriteOff
from tests.equity.conftest import (
    LATER,
    assert_identity,
    disbursed,
    income,
    nothing_saved,
    pool,
    written_off,
)

D = Decimal


def propose_exit(inv, office, kind, proceeds, **kw):
    data = {"reason": "按投资协议约定退出", "basis": "领导小组办公室会议纪要〔2028〕3号", "today": LATER}
    data.update(kw)
    return services.propose_exit(inv, actor=office, kind=kind, proceeds=proceeds, **data)


def confirm_exit(ex, finance, ref="YH-2028-0001", **kw):
    return services.confirm_exit(
        ex, actor=finance, decision="concur", bank_ref=ref, received_on=LATER, today=LATER, **kw
    )


# ---------------------------------------------------------------- write-off


def test_write_off_path(ite_paid, eq_project, office, finance):
    pool_before = pool(eq_project)
    wo = services.propose_write_off(
        ite_paid,
        actor=office,
        reason="核心技术路线失败，企业停止研发",
        basis="专家论证意见及办公室会议纪要",
        today=LATER,
    )
    assert disbursed(eq_project) == D("3000000.00")  # nothing moves on the proposal
    wo = services.confirm_write_off(
        wo, actor=finance, decision="concur", opinion="同意尽职免责核销。", today=LATER
    )
    ite_paid.refresh_from_db()
    assert (wo.state, wo.amount, ite_paid.state) == ("confirmed", D("3000000.00"), "written_off")
    assert disbursed(eq_project) == 0
    assert written_off(eq_project) == D("3000000.00")
    assert pool(eq_project) == pool_before
    assert_identity(ite_paid)
    rows, _t = services.holdings(type(ite_paid).objects.filter(pk=ite_paid.pk))
    assert rows[0].multiple == D("0.00")


def test_write_off_needs_two_people(ite_paid, office_finance, finance):
    wo = services.propose_write_off(ite_paid, actor=office_finance, reason="失败", basis="纪要", today=LATER)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.confirm_write_off(wo, actor=office_finance, decision="concur", today=LATER)
    assert exc.value.code == "same_person"


def test_write_off_rejected_changes_no_money(ite_paid, eq_project, office, finance):
    wo = services.propose_write_off(ite_paid, actor=office, reason="失败", basis="纪要", today=LATER)
    with nothing_saved(), pytest.raises(ServiceError):
        services.confirm_write_off(wo, actor=finance, decision="reject", opinion="", today=LATER)
    wo = services.confirm_write_off(
        wo, actor=finance, decision="reject", opinion="请补充尽职调查材料。", today=LATER
    )
    assert wo.state == "rejected" and disbursed(eq_project) == D("3000000.00")


def test_write_off_only_invest_then_equity(direct_paid, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.propose_write_off(direct_paid, actor=office, reason="失败", basis="纪要")
    assert exc.value.code == "not_invest_then_equity"


def test_write_off_permissions(ite_paid, office, finance, office2):
    with nothing_saved(), pytest.raises(NotAllowed):
        services.propose_write_off(ite_paid, actor=finance, reason="失败", basis="纪要")
    wo = services.propose_write_off(ite_paid, actor=office, reason="失败", basis="纪要", today=LATER)
    with nothing_saved(), pytest.raises(NotAllowed):
        services.confirm_write_off(wo, actor=office2, decision="concur", today=LATER)
    with nothing_saved(), pytest.raises(ServiceError) as exc:  # one open step at a time
        propose_exit(ite_paid, office, "buy_back", "3000000.00")
    assert exc.value.code == "step_pending"
    assert WriteOff.objects.count() == 1


# ---------------------------------------------------------------- exits


@pytest.mark.parametrize(
    ("kind", "proceeds", "principal", "gain", "loss"),
    [
        ("transfer", "2612345.67", "2000000.00", "612345.67", "0.00"),
        ("sale", "1234567.89", "1234567.89", "0.00", "765432.11"),
        ("buy_back", "2000000.00", "2000000.00", "0.00", "0.00"),
        ("liquidation", "300000.01", "300000.01", "0.00", "1699999.99"),
        ("liquidation", "0", "0.00", "0.00", "2000000.00"),
    ],
)
def test_exit_arithmetic_to_the_fen(
    direct_paid, eq_project, office, finance, kind, proceeds, principal, gain, loss
):
    pool_before, income_before = pool(eq_project), income(eq_project)
    ex = propose_exit(direct_paid, office, kind, proceeds, counterparty="日照市产业投资集团")
    assert disbursed(eq_project) == D("2000000.00")  # the proposal moves nothing
    ex = confirm_exit(ex, finance, ref="" if D(proceeds) == 0 else "YH-2028-0001")
    direct_paid.refresh_from_db()
    assert (ex.invested, ex.principal, ex.gain, ex.loss) == (D("2000000.00"), D(principal), D(gain), D(loss))
    assert ex.principal + ex.gain == D(proceeds)
    assert direct_paid.state == "exited"
    assert disbursed(eq_project) == 0
    assert pool(eq_project) == pool_before + D(proceeds)
    assert income(eq_project) == income_before - D(gain)
    assert written_off(eq_project) == D(loss)
    assert_identity(direct_paid)
    rows, totals = services.holdings(type(direct_paid).objects.filter(pk=direct_paid.pk))
    assert rows[0].multiple == (D(proceeds) / D("2000000.00")).quantize(D("0.01"))
    assert totals.proceeds == D(proceeds)


def test_split_proceeds():
    assert services.split_proceeds(D("100.00"), D("100.01")) == (D("100.00"), D("0.01"), D("0.00"))
    assert services.split_proceeds(D("100.00"), D("99.99")) == (D("99.99"), D("0.00"), D("0.01"))


def test_exit_of_converted_holding_with_unconverted_rest(ite_paid, eq_project, office, finance):
    from tests.equity.test_conversion import convert

    cap = [{"name": "创始人王海", "share": "0.28"}, {"name": "A轮领投基金", "share": "0.27"}]
    convert(ite_paid, office, post_money_valuation="10000000.00", cap_table=cap, amount="2500000.00")
    # buy-back of the stake plus the unconverted 500,000 at face value: 3,600,000.00
    ex = confirm_exit(propose_exit(ite_paid, office, "buy_back", "3600000.00"), finance)
    assert (ex.principal, ex.gain, ex.loss) == (D("3000000.00"), D("600000.00"), D("0.00"))
    assert_identity(ite_paid)


def test_exit_kind_must_be_in_policy(direct_paid, eq_project, office):
    profile = eq_project.fund_year.profile
    profile.rules["equity"]["exits"] = ["transfer", "buy_back"]
    profile.save(update_fields=["rules"])
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        propose_exit(direct_paid, office, "sale", "1.00")
    assert "不在本市政策允许的范围内（股权转让、回购）" in str(exc.value.message)


def test_exit_refusals_change_nothing(direct, direct_paid, office, finance, office_finance):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        propose_exit(direct_paid, office, "transfer", "-1", reason="", basis="")
    assert set(exc.value.errors) >= {"proceeds", "reason", "basis"}
    ex = propose_exit(direct_paid, office_finance, "transfer", "2500000.00")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        confirm_exit(ex, office_finance)
    assert exc.value.code == "same_person"
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        confirm_exit(ex, finance, ref="")
    assert "bank_ref" in exc.value.errors
    with nothing_saved(), pytest.raises(NotAllowed):
        confirm_exit(ex, office)
    confirm_exit(ex, finance)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        confirm_exit(ex, finance)
    assert exc.value.code == "step_decided"
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        propose_exit(direct_paid, office, "transfer", "1.00")
    assert exc.value.code == "investment_state"


def test_bank_ref_unique(direct_paid, office, finance, fund_year, leader):
    from tests.equity.conftest import equity_project, pay, register_direct

    confirm_exit(propose_exit(direct_paid, office, "transfer", "2500000.00"), finance, ref="YH-1")
    other = register_direct(equity_project(fund_year, office, leader, finance, area="major_projects"), office)
    for s in other.stages.order_by("seq"):
        pay(s, finance)
    ex = propose_exit(other, office, "buy_back", "2000000.00")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        confirm_exit(ex, finance, ref="YH-1")
    assert "银行凭证号“YH-1”已登记过" in exc.value.errors["bank_ref"][0]


def test_not_before_any_money_is_paid(direct, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        propose_exit(direct, office, "transfer", "1.00")
    assert exc.value.code == "investment_state"


def test_unpaid_stages_cancelled_on_exit(direct, eq_project, office, finance):
    from tests.equity.conftest import pay

    pay(direct.stages.get(seq=1), finance)
    confirm_exit(propose_exit(direct, office, "buy_back", "1300000.00"), finance)
    assert list(direct.stages.order_by("seq").values_list("state", flat=True)) == ["paid", "cancelled"]
    assert ledger.trial_balance()["total"] == 0
