"""综合绩效评价: proposed by the office on 决策 / 过程 / 产出 / 效益 with the policy's weights, graded by
the policy's grades (all four levels), confirmed by finance (the project is completed) or returned."""

import copy
from decimal import Decimal as D

import pytest

from techfund.core.errors import NotAllowed, NotVisible, ServiceError
from techfund.core.models import AuditEvent
from techfund.evaluation import services
from techfund.projects.enums import ProjectState
from tests.evaluation.conftest import (
    CONFIRM_DAY,
    GRADE_SCORES,
    OPINIONS,
    REVIEW_DAY,
    nothing_saved,
)


def propose(project, office, scores=None, **kw):
    kw.setdefault("signatory", "赵办公")
    return services.propose_comprehensive(
        project,
        actor=office,
        scores=scores or GRADE_SCORES["excellent"],
        opinions=OPINIONS,
        today=REVIEW_DAY,
        **kw,
    )


def test_office_proposes_with_the_policy_weights(proposed_ce, project, office):
    ce = proposed_ce
    # (95·15 + 92·20 + 96·35 + 90·30) / 100 = 93.25
    assert ce.total == D("93.25") and ce.grade == "excellent" and ce.state == "proposed"
    assert ce.rules["weights"] == {"decision": 15, "process": 20, "output": 35, "outcome": 30}
    assert ce.profile_version == project.fund_year.profile.version and ce.office_signatory == "赵办公"
    assert ce.evaluated_on == REVIEW_DAY and ce.proposed_by == office and ce.conclusion == "综合评价为优。"
    assert project.state == ProjectState.ACCEPTANCE
    assert [(code, w) for code, _s, _o, w in ce.part_rows()] == [
        ("decision", 15),
        ("process", 20),
        ("output", 35),
        ("outcome", 30),
    ]


def test_grades_of_all_four_levels(accepted, project, office, finance):
    expected = {"excellent": D("93.25"), "good": D("85.00"), "fair": D("70.00"), "poor": D("46.00")}
    for grade, total in expected.items():
        ce = propose(project, office, GRADE_SCORES[grade])
        assert (ce.grade, ce.total) == (grade, total)
        services.return_comprehensive(ce, actor=finance, reason="再议。")
    # the boundaries are the policy's: 89.99 is 良, 90 is 优, 59.99 is 差, 60 is 中
    for value, grade in (("89.99", "good"), ("90", "excellent"), ("59.99", "poor"), ("60", "fair")):
        ce = propose(project, office, dict.fromkeys(("decision", "process", "output", "outcome"), value))
        assert ce.grade == grade, value
        services.return_comprehensive(ce, actor=finance, reason="再议。")


def test_the_weights_and_grades_come_from_the_policy(accepted, project, office):
    # TEST SETUP ONLY: the profile's tables changed in place, as a new policy version would say.
    profile = project.fund_year.profile
    profile.rules = copy.deepcopy(profile.rules)
    profile.rules["comprehensive_weights"]["weights"] = {
        "decision": 10,
        "process": 10,
        "output": 40,
        "outcome": 40,
    }
    profile.rules["evaluation_grades"]["grades"][0]["min_score"] = 95
    profile.save(update_fields=["rules"])
    ce = propose(project, office)
    # (95·10 + 92·10 + 96·40 + 90·40) / 100 = 93.10, below the policy's 95 for 优
    assert ce.total == D("93.10") and ce.grade == "good"


def test_weights_giving_output_and_outcome_under_the_minimum_are_refused(accepted, project, office):
    profile = project.fund_year.profile
    profile.rules = copy.deepcopy(profile.rules)
    profile.rules["comprehensive_weights"]["weights"] = {
        "decision": 30,
        "process": 20,
        "output": 25,
        "outcome": 25,
    }
    profile.save(update_fields=["rules"])
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        propose(project, office)
    assert (
        exc.value.message
        == "政策配置的综合评价权重中产出与效益合计 50 分，低于规定的 60 分，请先修正政策配置。"
    )


def test_input_refusals(accepted, project, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.propose_comprehensive(
            project,
            actor=office,
            scores={"decision": "101", "process": "x", "output": "", "outcome": "80.001"},
            opinions={"decision": "好", "process": "", "output": "好", "outcome": "好"},
            signatory="",
        )
    assert exc.value.message == "综合绩效评价有6处需要修改。"
    assert exc.value.errors == {
        "decision_score": ["“决策”得分应在0至100之间，实际为101。"],
        "process_score": ["“过程”得分“x”不是有效的数字。"],
        "process_opinion": ["请填写“过程”评价意见。"],
        "output_score": ["请填写“产出”得分。"],
        "outcome_score": ["“效益”得分最多保留2位小数，实际为80.001。"],
        "signatory": ["请填写签署人姓名。"],
    }


def test_state_refusals(self_ev, running, project, office, unit_user):
    # the self-evaluation is not accepted yet
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        propose(project, office)
    assert (
        exc.value.message == f"项目 {project.number} 的单位自评尚未受理，请先受理自评，再进行综合绩效评价。"
    )
    services.return_self_evaluation(self_ev, actor=office, reason="补充材料。")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        propose(project, office)
    assert exc.value.code == "project_not_in_acceptance" and "当前状态为“执行中”" in exc.value.message


def test_roles_and_scope(accepted, project, finance, unit_user, dept_officer, applicant, leader, auditor):
    for user in (finance, unit_user, dept_officer, leader, auditor):
        with nothing_saved(), pytest.raises(NotAllowed):
            propose(project, user)
    with nothing_saved(), pytest.raises(NotVisible):
        propose(project, applicant)


def test_finance_confirms_and_the_project_is_completed(confirmed_ce, project, finance):
    ce = confirmed_ce
    assert ce.state == "confirmed" and ce.finance_signatory == "钱财政" and ce.confirmed_on == CONFIRM_DAY
    assert ce.confirmed_by == finance and project.state == ProjectState.COMPLETED
    moved = AuditEvent.objects.get(action="evaluation.project.completed")
    assert moved.before == {"state": "acceptance"} and moved.after == {"state": "completed"}
    assert moved.data["grade"] == "excellent" and moved.role == "finance"


def test_confirmation_refusals(proposed_ce, project, office, finance, unit_user, applicant):
    for user in (office, unit_user):
        with nothing_saved(), pytest.raises(NotAllowed):
            services.confirm_comprehensive(proposed_ce, actor=user, signatory="x")
    with nothing_saved(), pytest.raises(NotVisible):
        services.confirm_comprehensive(proposed_ce, actor=applicant, signatory="x")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.confirm_comprehensive(proposed_ce, actor=finance, signatory=" ")
    assert exc.value.errors == {"signatory": ["请填写签署人姓名。"]}
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        propose(project, office)
    assert exc.value.message == "该项目的综合绩效评价已提出，正待财政部门确认。"
    services.confirm_comprehensive(proposed_ce, actor=finance, signatory="钱财政")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.confirm_comprehensive(proposed_ce, actor=finance, signatory="钱财政")
    assert exc.value.message == "当前状态为“财政部门已确认”，不能变更为“财政部门已确认”。"
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        propose(project, office)
    assert exc.value.message == "该项目已完成综合绩效评价。"


def test_finance_returns_and_the_office_proposes_again(proposed_ce, project, office, finance):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.return_comprehensive(proposed_ce, actor=finance, reason="")
    assert exc.value.message == "退回综合绩效评价须说明理由。"
    with nothing_saved(), pytest.raises(NotAllowed):
        services.return_comprehensive(proposed_ce, actor=office, reason="x")
    ce = services.return_comprehensive(proposed_ce, actor=finance, reason="过程得分偏高，请核实。")
    assert ce.state == "returned" and ce.return_reason == "过程得分偏高，请核实。"
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.confirm_comprehensive(ce, actor=finance, signatory="x")
    assert exc.value.code == "transition_not_allowed"
    again = propose(project, office, GRADE_SCORES["good"], signatory="孙办公")
    assert again.pk == ce.pk and again.state == "proposed" and again.grade == "good"
    assert again.return_reason == "" and again.office_signatory == "孙办公"
    ev = AuditEvent.objects.get(action="evaluation.comprehensive.reproposed")
    assert ev.before["grade"] == "excellent" and ev.after["grade"] == "good"
