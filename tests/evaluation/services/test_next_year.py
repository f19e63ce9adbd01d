"""评价结果与以后年度预算安排挂钩: the proposal's math by focus area and department (优 priority keeps
the amount, 中 cut by the policy's ratio, 差 cancelled, unevaluated carried), the office's
adjustments with reasons, and the submission as a funds framework the leading group approves."""

import copy
from decimal import Decimal as D

import pytest

from techfund.core.errors import NotAllowed, NotVisible, ServiceError
from techfund.core.models import Account, AuditEvent
from techfund.core.services import ledger
from techfund.evaluation import services
from techfund.evaluation.display import line_actions
from techfund.funds import services as fund_services
from techfund.funds.models import Framework
from tests.evaluation.conftest import evaluate, nothing_saved

M = D("1000000.00")


def lines_of(proposal) -> dict:
    return {
        (line.focus_area.code, line.department.code): line
        for line in proposal.lines.select_related("focus_area", "department")
    }


def test_the_proposal_applies_the_policy_mapping(graded_year, fund_year, office):
    proposal = services.propose_next_year(fund_year, actor=office, note="依据2026年度评价结果。")
    assert proposal.target_year == fund_year.year + 1 and proposal.state == "draft"
    assert proposal.profile_version == fund_year.profile.version
    assert proposal.actions["fair"] == {"action": "reduce", "reduce_ratio": "0.20"}
    lines = lines_of(proposal)
    assert set(lines) == {
        ("major_projects", "science_technology"),
        ("major_projects", "industry_it"),
        ("key_rd", "science_technology"),
        ("key_rd", "industry_it"),
    }
    a = lines[("major_projects", "science_technology")]  # A 优: priority, kept
    assert (a.base_amount, a.suggested_amount, a.amount, a.excellent) == (4 * M, 4 * M, 4 * M, 1)
    b = lines[("major_projects", "industry_it")]  # B 中: cut by 20%
    assert (b.base_amount, b.suggested_amount, b.fair) == (3 * M, D("2400000.00"), 1)
    c = lines[("key_rd", "science_technology")]  # C 差: cancelled; D not evaluated: carried as is
    assert (c.base_amount, c.suggested_amount, c.poor, c.unevaluated, c.projects) == (
        D("2500000.00"),
        D("1500000.00"),
        1,
        1,
        2,
    )
    assert c.breakdown == {
        "poor": {"n": 1, "amount": "1000000.00", "suggested": "0.00"},
        "unevaluated": {"n": 1, "amount": "1500000.00", "suggested": "1500000.00"},
    }
    e = lines[("key_rd", "industry_it")]  # E 良: as needed, kept
    assert (e.suggested_amount, e.good) == (M, 1)
    assert line_actions(c, proposal.actions) == ["差 1 项：取消或暂停", "未完成评价 1 项：按原安排金额结转"]
    assert line_actions(b, proposal.actions) == ["中 1 项：按比例压减 20%"]
    assert line_actions(a, proposal.actions) == ["优 1 项：优先保障"]
    assert services.allocations_of(proposal) == {"major_projects": D("6400000.00"), "key_rd": D("2500000.00")}
    assert AuditEvent.objects.filter(
        action="evaluation.next_year.proposed", target_id=str(proposal.pk)
    ).exists()


def test_the_reduce_ratio_follows_the_policy(paid, project, unit_user, fund_year, office, finance):
    # TEST SETUP ONLY: 中 cut by 50% in the profile's results_to_budget table.
    profile = fund_year.profile
    profile.rules = copy.deepcopy(profile.rules)
    profile.rules["results_to_budget"]["actions"]["fair"]["reduce_ratio"] = "0.50"
    profile.save(update_fields=["rules"])
    evaluate(project, office=office, finance=finance, unit=unit_user, grade="fair")
    proposal = services.propose_next_year(fund_year, actor=office)
    (line,) = proposal.lines.all()
    assert (line.base_amount, line.suggested_amount, line.fair) == (4 * M, 2 * M, 1)


def test_proposal_refusals(fund_year, confirmed_ce, office, finance, leader, officer, applicant):
    for user in (finance, leader):
        with nothing_saved(), pytest.raises(NotAllowed):
            services.propose_next_year(fund_year, actor=user)
    for user in (applicant,):
        with nothing_saved(), pytest.raises(NotVisible):
            services.propose_next_year(fund_year, actor=user)
    for value, message in (
        (fund_year.year, f"建议年度须晚于评价年度 {fund_year.year}，且不晚于 2100 年。"),
        ("明年", "建议年度“明年”不是有效的年份。"),
    ):
        with nothing_saved(), pytest.raises(ServiceError) as exc:
            services.propose_next_year(fund_year, actor=office, target_year=value)
        assert exc.value.errors == {"target_year": [message]}
    services.propose_next_year(fund_year, actor=office)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.propose_next_year(fund_year, actor=office)
    assert exc.value.message == (
        f"已依据 {fund_year.year} 年度评价结果提出 {fund_year.year + 1} 年度框架建议（草稿，办公室调整中），不能重复提出。"
    )
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.propose_next_year(fund_year, actor=office, target_year=fund_year.year + 2)
    assert exc.value.code == "next_year_draft_exists"


def test_a_year_without_confirmed_grades_has_nothing_to_propose(proposed_ce, fund_year, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.propose_next_year(fund_year, actor=office)
    assert (
        exc.value.message
        == f"{fund_year.year} 年度尚无完成综合绩效评价的项目，无法依据评价结果提出下一年度框架建议。"
    )


def test_adjust_submit_and_approve(graded_year, fund_year, office, finance, leader):
    proposal = services.propose_next_year(fund_year, actor=office)
    lines = lines_of(proposal)
    c = lines[("key_rd", "science_technology")]
    b = lines[("major_projects", "industry_it")]
    # adjustments: a reason for each change away from the suggestion
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.adjust_next_year(proposal, actor=office, amounts={c.pk: "2000000"})
    msg = "调整“重点研发专项 · 市科学技术局”的建议金额须说明理由。"
    assert exc.value.message == msg and exc.value.errors == {f"lines.{c.pk}.reason": [msg]}
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.adjust_next_year(
            proposal, actor=office, amounts={c.pk: "-1", b.pk: "abc", 999999: "1"}, reason="x"
        )
    assert exc.value.errors == {
        f"lines.{c.pk}.amount": ["重点研发专项 · 市科学技术局：建议金额不能为负数。"],
        f"lines.{b.pk}.amount": ["重大科技创新专项 · 市工业和信息化局：金额“abc”不是有效的数字。"],
        "amounts": ["明细“999999”不属于该框架建议。"],
    }
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.adjust_next_year(proposal, actor=office, amounts={c.pk: "1500000.00"})
    assert exc.value.message == "没有修改任何建议金额。"
    with nothing_saved(), pytest.raises(NotAllowed):
        services.adjust_next_year(proposal, actor=finance, amounts={c.pk: "1"}, reason="x")
    services.adjust_next_year(
        proposal,
        actor=office,
        amounts={c.pk: "2000000", b.pk: "2400000.00"},
        reasons={c.pk: "新增海洋材料方向。"},
    )
    c.refresh_from_db()
    assert c.amount == 2 * M and c.adjust_reason == "新增海洋材料方向。" and c.adjusted
    event = AuditEvent.objects.get(action="evaluation.next_year.adjusted")
    assert event.data["changes"] == [
        {
            "line": c.pk,
            "focus_area": "key_rd",
            "department": "science_technology",
            "amount": "2000000.00",
            "suggested": "1500000.00",
            "reason": "新增海洋材料方向。",
        }
    ]
    # 2027 is not open: a framework needs the pool's money
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.submit_next_year(proposal, actor=office)
    assert exc.value.code == "target_year_missing" and exc.value.message == (
        "2027 年度资金尚未设立。框架配置是对年度资金池的分配，请先设立 2027 年度资金并登记资金来源，再报领导小组审定。"
    )
    fy27 = fund_services.open_fund_year(actor=office, year=2027)
    fund_services.record_contribution(fy27, actor=office, source_type="st_innovation", amount="5000000.00")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.submit_next_year(proposal, actor=office)
    assert exc.value.message == (
        "2027 年度资金池未分配余额 5,000,000.00 元，不足以安排本建议合计 9,400,000.00 元。"
        "框架配置是对年度资金池的分配，请先登记 2027 年度资金来源，再报领导小组审定。"
    )
    assert services.target_status(proposal)["shortfall"] == D("4400000.00")
    fund_services.record_contribution(
        fy27, actor=office, source_type="technical_renovation", amount="6000000.00"
    )
    assert services.target_status(proposal)["ready"]
    with nothing_saved(), pytest.raises(NotAllowed):
        services.submit_next_year(proposal, actor=leader)
    proposal = services.submit_next_year(proposal, actor=office)
    fw = proposal.framework
    assert proposal.state == "submitted" and fw.fund_year == fy27 and fw.state == "submitted"
    assert {a.focus_area.code: a.amount for a in fw.allocations.select_related("focus_area")} == {
        "major_projects": D("6400000.00"),
        "key_rd": D("3000000.00"),
    }
    assert fw.title == "2027年度框架配置（依据2026年度绩效评价结果）"
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.adjust_next_year(proposal, actor=office, amounts={c.pk: "1"}, reason="x")
    assert exc.value.code == "next_year_not_editable"
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.submit_next_year(proposal, actor=office)
    assert exc.value.code == "transition_not_allowed"
    # the leading group approves it like any framework: the pool moves to the areas
    fund_services.approve_framework(fw, actor=leader, reason="同意。")
    area = Account.objects.get(code="fund:2027:area:key_rd")
    assert ledger.balance(area) == 3 * M and Framework.objects.get(pk=fw.pk).state == "approved"


def test_an_all_zero_proposal_is_refused(confirmed_ce, fund_year, office):
    # A (优) is the only project: set its line to 0 and submit
    proposal = services.propose_next_year(fund_year, actor=office)
    (line,) = proposal.lines.all()
    services.adjust_next_year(proposal, actor=office, amounts={line.pk: "0"}, reason="暂停该方向。")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.submit_next_year(proposal, actor=office)
    assert exc.value.message == "框架建议的金额合计为0，不能形成框架配置报领导小组。"
