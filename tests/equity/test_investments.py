"""Registering an investment: the stake checks to the basis point, refusals with every reason, and
refusals that change nothing."""

from decimal import Decimal

import pytest

from techfund.core.errors import NotAllowed, ServiceError
from techfund.equity import services
from techfund.equity.models import CapTableEntry, Investment
from tests.equity.conftest import nothing_saved, register_direct, register_ite


def test_direct_share_is_amount_over_post_money(direct, eq_project):
    assert direct.state == "committed"
    assert direct.post_money_valuation == Decimal("10000000.00")
    assert direct.share == Decimal("0.200000")
    assert direct.number == f"TZ-{eq_project.number}"
    assert [(c.name, c.share) for c in CapTableEntry.objects.filter(investment=direct)] == [
        ("创始人王海", Decimal("0.450000")),
        ("员工持股平台", Decimal("0.200000")),
        ("天使投资基金", Decimal("0.150000")),
    ]
    assert [(s.seq, s.amount) for s in direct.stages.all()] == [
        (1, Decimal("1200000.00")),
        (2, Decimal("800000.00")),
    ]


def test_share_rounds_half_up_to_six_places(eq_project, office):
    # 1,000,000 / (2,000,000 + 1,000,000) = 0.3333333… → 0.333333 — too much; 1,000,000 / 7,000,000:
    inv = register_direct(
        eq_project,
        office,
        amount="1000000.00",
        pre_money_valuation="6000000.00",
        stages=[{"amount": "1000000.00", "condition": "签约后"}],
    )
    assert inv.share == Decimal("0.142857")  # 0.14285714… half-up to 6 places
    assert services.compute_share(Decimal("1"), Decimal("6")) == Decimal("0.166667")


@pytest.mark.parametrize(
    ("share", "ok"),
    [("0.2499", True), ("0.25", True), ("0.250001", False), ("0.2501", False)],
)
def test_max_share_to_the_basis_point(eq_project, office, share, ok):
    kw = {
        "pre_money_valuation": None,
        "share": share,
        "cap_table": [{"name": "创始人王海", "share": "0.40"}, {"name": "员工持股平台", "share": "0.30"}],
        "stages": [{"amount": "2000000.00", "condition": "签约后"}],
    }
    if ok:
        inv = register_direct(eq_project, office, **kw)
        assert inv.share == Decimal(share)
        assert inv.post_money_valuation == (Decimal("2000000.00") / Decimal(share)).quantize(Decimal("0.01"))
    else:
        with nothing_saved(), pytest.raises(ServiceError) as exc:
            register_direct(eq_project, office, **kw)
        assert exc.value.code == "stake_refused"
        shown = {"0.250001": "25.0001%", "0.2501": "25.01%"}[share]
        assert f"持股比例 {shown} 超过上限 25%" in str(exc.value.message)


def test_computed_share_over_cap_names_the_numbers(eq_project, office):
    # 2,750,000 / (7,250,000 + 2,750,000) = 27.50 %
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        register_direct(
            eq_project,
            office,
            amount="2750000.00",
            pre_money_valuation="7250000.00",
            cap_table=[{"name": "创始人王海", "share": "0.40"}, {"name": "员工持股平台", "share": "0.30"}],
            stages=[{"amount": "2750000.00", "condition": "签约后"}],
        )
    assert "持股比例 27.50% 超过上限 25%。" in str(exc.value.message)
    assert exc.value.errors["share"] == ["持股比例 27.50% 超过上限 25%。"]


def test_equal_to_largest_shareholder_counts_as_largest(eq_project, office):
    # fund 20.00 % (2,000,000 / 10,000,000), largest other 创始人甲 20.00 % → refused
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        register_direct(
            eq_project,
            office,
            cap_table=[{"name": "创始人甲", "share": "0.20"}, {"name": "乙", "share": "0.20"}],
        )
    assert exc.value.code == "stake_refused"
    msg = str(exc.value.message)
    assert "持股比例 20.00% 与最大股东“创始人甲”（20.00%）相同，持股相同也视为第一大股东" in msg
    assert "超过上限" not in msg


def test_greater_than_largest_refused(eq_project, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        register_direct(eq_project, office, cap_table=[{"name": "创始人甲", "share": "0.199999"}])
    assert "超过最大的其他股东“创始人甲”（19.9999%），将成为第一大股东" in str(exc.value.message)


def test_both_reasons_listed(eq_project, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        register_direct(
            eq_project,
            office,
            pre_money_valuation=None,
            share="0.30",
            cap_table=[{"name": "创始人甲", "share": "0.28"}, {"name": "乙", "share": "0.28"}],
            stages=[{"amount": "2000000.00", "condition": "签约后"}],
        )
    assert exc.value.code == "stake_refused"
    reasons = exc.value.errors["share"]
    assert len(reasons) == 2
    assert reasons[0] == "持股比例 30.00% 超过上限 25%。"
    assert "超过最大的其他股东“创始人甲”（28.00%），将成为第一大股东" in reasons[1]
    assert reasons[0] in str(exc.value.message) and reasons[1] in str(exc.value.message)


def test_just_below_largest_is_allowed(eq_project, office):
    inv = register_direct(
        eq_project,
        office,
        cap_table=[{"name": "创始人甲", "share": "0.200001"}, {"name": "乙", "share": "0.5"}],
    )
    assert inv.share == Decimal("0.200000")


def test_every_input_problem_at_once(eq_project, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.register_investment(
            eq_project,
            actor=office,
            instrument="direct",
            vehicle_name="",
            vehicle_uscc="123",
            amount="9000000.00",
            agreement_ref="",
            stages=[{"amount": "100.00", "condition": ""}],
            pre_money_valuation=None,
            cap_table=[],
            evidence="",
        )
    e = exc.value.errors
    for key in (
        "vehicle_name",
        "vehicle_uscc",
        "agreement_ref",
        "amount",
        "stages",
        "stages.1.condition",
        "cap_table",
        "evidence",
        "pre_money_valuation",
    ):
        assert key in e, key
    assert "超过项目安排金额 5,000,000.00 元" in e["amount"][0]


def test_cap_table_over_100_percent_refused(eq_project, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        register_direct(
            eq_project, office, cap_table=[{"name": "甲", "share": "0.50"}, {"name": "乙", "share": "0.31"}]
        )
    assert "超过 100%" in exc.value.errors["cap_table"][0]


def test_invest_then_equity_has_no_stake_yet(ite):
    assert (ite.share, ite.post_money_valuation, ite.state) == (None, None, "committed")


def test_invest_then_equity_refuses_valuation(eq_project, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        register_ite(eq_project, office, pre_money_valuation="1000000.00")
    assert "先投后股在下一轮融资时按该轮投后估值转股" in str(exc.value.message)


def test_instrument_must_be_in_policy(eq_project, office):
    profile = eq_project.fund_year.profile
    profile.rules["equity"]["instruments"] = ["direct"]
    profile.save(update_fields=["rules"])
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        register_ite(eq_project, office)
    assert "不在本市政策允许的范围内（股权直投）" in str(exc.value.message)


def test_not_twice_and_not_for_grant_projects(direct, eq_project, office, project):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        register_direct(eq_project, office)
    assert exc.value.code == "already_registered"
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        register_direct(project, office)
    assert exc.value.code == "not_equity"


def test_only_the_office_registers(eq_project, finance):
    with nothing_saved(), pytest.raises(NotAllowed):
        register_direct(eq_project, finance)
    assert not Investment.objects.exists()


def test_audit_event_written(direct, office):
    from techfund.core.models import AuditEvent

    ev = AuditEvent.objects.get(action="equity.investment.registered")
    assert ev.actor_id == office.pk and ev.role == "office"


def test_max_allowed_amount(rizhao):
    others = [("甲", Decimal("0.28"))]
    assert services.max_allowed_amount(rizhao, Decimal("10000000.00"), others) == Decimal("2500000.00")
    others = [("甲", Decimal("0.20"))]
    most = services.max_allowed_amount(rizhao, Decimal("10000000.00"), others)
    assert services.check_stake(rizhao, services.compute_share(most, Decimal("10000000.00")), others).ok
    assert not services.check_stake(
        rizhao, services.compute_share(most + Decimal("0.01") * 100, Decimal("10000000.00")), others
    ).ok
