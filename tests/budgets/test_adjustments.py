"""Budgets opened with the contract, and adjustments (调剂) under 国办发〔2021〕32号."""

from decimal import Decimal

import pytest

from techfund.budgets import services
from techfund.budgets.enums import AdjustmentKind, AdjustmentState, BudgetSource
from techfund.budgets.models import ProjectBudget
from techfund.budgets.services.budget import _scaled, check_moves
from techfund.core.errors import NotAllowed, ServiceError
from tests.budgets.conftest import TODAY, counts
from tests.projects.helpers import events, run_emergency

D = Decimal
RULES = {
    "delegated_categories": ["business", "labour", "equipment"],
    "equipment_approval_threshold": D("500000.00"),
    "indirect_may_increase": False,
    "indirect_may_decrease": True,
    "approver": "department",
    "file_with_finance": True,
}


def amounts(project):
    return services.current_amounts(project.budget)


def test_budget_is_copied_from_the_application(contract, project):
    budget = ProjectBudget.objects.get(project=project)
    assert budget.contract == contract and budget.source == BudgetSource.APPLICATION
    assert budget.total == D("4000000.00")
    assert amounts(project) == {
        "equipment": D("800000.00"),
        "business": D("2000000.00"),
        "labour": D("800000.00"),
        "indirect": D("400000.00"),
    }
    assert len(events("budgets.budget.opened")) == 1


def test_scaling_rounds_half_up_and_gives_the_fen_to_the_largest_direct_line():
    # 100.00 over three equal lines: 33.33 each, 0.01 left over → 业务费 (first of the largest direct ones).
    got = _scaled({"equipment": D(0), "business": D(1), "labour": D(1), "indirect": D(1)}, D("100.00"))
    assert got == {
        "equipment": D("0.00"),
        "business": D("33.34"),
        "labour": D("33.33"),
        "indirect": D("33.33"),
    }
    # 3,000,000 of the 4,000,000 structure: exactly 75 %.
    got = _scaled(
        {
            k: D(v)
            for k, v in {
                "equipment": 800000,
                "business": 2000000,
                "labour": 800000,
                "indirect": 400000,
            }.items()
        },
        D("3000000.00"),
    )
    assert got == {
        "equipment": D("600000.00"),
        "business": D("1500000.00"),
        "labour": D("600000.00"),
        "indirect": D("300000.00"),
    }


def test_emergency_project_gets_everything_in_business_with_a_note(fund_year, office, finance):
    p = run_emergency(fund_year, office, finance, pay=False)
    budget = ProjectBudget.objects.get(project=p)
    assert budget.source == BudgetSource.DEFAULT and "业务费" in budget.note
    assert services.current_amounts(budget)["business"] == D("100000.00")
    assert sum(services.current_amounts(budget).values()) == D("100000.00")


def test_delegated_adjustment_takes_effect_at_once_and_keeps_the_total(running, unit_user):
    adj = services.adjust_budget(
        running,
        actor=unit_user,
        amounts={"business": "1900000.00", "labour": "900000.00"},
        reason="增聘科研助理",
        today=TODAY,
    )
    assert adj.kind == AdjustmentKind.DELEGATED and adj.state == AdjustmentState.EFFECTIVE
    now = amounts(running)
    assert now["business"] == D("1900000.00") and now["labour"] == D("900000.00")
    assert sum(now.values()) == D("4000000.00")
    versions = services.versions(running.budget)
    assert [v.total for v in versions] == [D("4000000.00")] * 2
    assert versions[0].amounts["business"] == D("2000000.00")  # the original is kept
    assert versions[1].adjustment == adj
    assert [m.change for m in adj.moves.order_by("id")] == [D("-100000.00"), D("100000.00")]
    assert len(events("budgets.adjustment.recorded")) == 1


def test_equipment_above_the_threshold_needs_the_department(running, unit_user, dept_officer):
    before = amounts(running)
    adj = services.adjust_budget(
        running,
        actor=unit_user,
        amounts={"equipment": "700000.00", "business": "2100000.00"},
        reason="改为租用",
    )
    assert adj.kind == AdjustmentKind.APPROVAL and adj.state == AdjustmentState.REQUESTED
    assert "800,000.00" in adj.basis and "500,000.00" in adj.basis
    assert amounts(running) == before  # nothing moves until approved
    # while it waits, no other adjustment
    with pytest.raises(ServiceError) as exc:
        services.adjust_budget(
            running, actor=unit_user, amounts={"business": "1", "labour": "2799999.00"}, reason="x"
        )
    assert exc.value.code == "request_pending" and adj.number in exc.value.message
    services.decide_adjustment(adj, actor=dept_officer, decision="approve", opinion="同意", today=TODAY)
    adj.refresh_from_db()
    assert (
        adj.state == AdjustmentState.EFFECTIVE and adj.filed_with_finance and adj.decided_by == dept_officer
    )
    assert amounts(running)["equipment"] == D("700000.00") and sum(amounts(running).values()) == D(
        "4000000.00"
    )


def test_threshold_boundary_and_delegation_from_policy():
    before = {"equipment": D("100000.00"), "business": D("900000.00"), "labour": D(0), "indirect": D(0)}
    ok = {**before, "equipment": D("499999.99"), "business": D("500000.01")}
    assert check_moves(before, ok, spent={}, rules=RULES) == ([], [])
    at = {**before, "equipment": D("500000.00"), "business": D("500000.00")}
    refusals, reasons = check_moves(before, at, spent={}, rules=RULES)
    assert refusals == [] and len(reasons) == 1
    # a city that keeps 劳务费 with the department
    rules = {**RULES, "delegated_categories": ["business"]}
    move = {**before, "business": D("800000.00"), "labour": D("100000.00")}
    refusals, reasons = check_moves(before, move, spent={}, rules=rules)
    assert refusals == [] and reasons == ["劳务费的调剂权未下放给承担单位，须报主管部门审批。"]


def test_every_refusal_is_listed_and_nothing_changes(running, unit_user, paid):
    from techfund.budgets.services import record_expenditure

    record_expenditure(
        running,
        actor=unit_user,
        spent_on="2026-11-05",
        category="labour",
        amount="300000.00",
        voucher_no="JZ-1",
        description="劳务费",
        today=TODAY,
    )
    before = counts()
    with pytest.raises(ServiceError) as exc:
        services.adjust_budget(
            running,
            actor=unit_user,
            amounts={"indirect": "500000.00", "labour": "200000.00", "business": "-1.00"},
            reason="",
            today=TODAY,
        )
    assert counts() == before
    msgs = exc.value.errors["amounts"]
    assert (
        "调剂后预算合计 1,499,999.00 元与调剂前 4,000,000.00 元不一致：调剂只在科目之间调整，不改变预算总额。"
        in msgs
    )
    assert "业务费调剂后为 -1.00 元，不能为负数。" in msgs
    assert "劳务费调剂后 200,000.00 元，低于该科目已支出的财政资金 300,000.00 元。" in msgs
    assert (
        "间接费用不得调增（调剂前 400,000.00 元，调剂后 500,000.00 元）；间接费用只能调减用于直接费用。"
        in msgs
    )
    assert exc.value.errors["reason"] == ["请填写调剂理由。"]
    with pytest.raises(ServiceError) as exc:
        services.adjust_budget(running, actor=unit_user, amounts={"business": "2000000.00"}, reason="x")
    assert exc.value.errors["amounts"] == ["调剂后各科目金额与当前预算相同，没有需要调剂的内容。"]
    assert counts() == before


def test_indirect_may_move_to_direct(running, unit_user):
    adj = services.adjust_budget(
        running,
        actor=unit_user,
        amounts={"indirect": "300000.00", "business": "2100000.00"},
        reason="压减管理费",
    )
    assert adj.state == AdjustmentState.EFFECTIVE and amounts(running)["indirect"] == D("300000.00")


def test_approval_by_another_person_only(running, unit_and_officer, dept_officer, unit_user):
    adj = services.adjust_budget(
        running,
        actor=unit_and_officer,
        amounts={"equipment": "600000.00", "business": "2200000.00"},
        reason="x",
    )
    before = counts()
    with pytest.raises(ServiceError) as exc:
        services.decide_adjustment(adj, actor=unit_and_officer, decision="approve")
    assert exc.value.code == "same_person"
    with pytest.raises(NotAllowed):
        services.decide_adjustment(adj, actor=unit_user, decision="approve")
    with pytest.raises(ServiceError) as exc:
        services.decide_adjustment(adj, actor=dept_officer, decision="reject", opinion="")
    assert exc.value.errors["opinion"] == ["请填写审批意见。"]
    assert counts() == before
    services.decide_adjustment(
        adj, actor=dept_officer, decision="reject", opinion="设备不可调减", today=TODAY
    )
    adj.refresh_from_db()
    assert adj.state == AdjustmentState.REJECTED and amounts(running)["equipment"] == D("800000.00")
    with pytest.raises(ServiceError) as exc:
        services.decide_adjustment(adj, actor=dept_officer, decision="approve")
    assert exc.value.code == "adjustment_decided"


def test_only_running_projects_adjust(contract, project, unit_user):
    with pytest.raises(ServiceError) as exc:
        services.adjust_budget(
            project, actor=unit_user, amounts={"business": "1", "labour": "2799999.00"}, reason="x"
        )
    assert exc.value.code == "project_not_running"
