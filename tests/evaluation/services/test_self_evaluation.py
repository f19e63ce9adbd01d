"""单位自评 through the service: every KPI kind scored by the policy's formulas, the 130% explanation
rule, the parts and total from the policy's weights, money arrived from the ledger; acceptance and
return by the office; every refusal with its message and nothing saved."""

import copy
from decimal import Decimal as D

import pytest

from techfund.core.errors import NotAllowed, NotVisible, ServiceError
from techfund.core.models import AuditEvent
from techfund.evaluation import services
from techfund.evaluation.display import kpi_basis
from techfund.evaluation.models import SelfEvaluation
from techfund.projects.enums import ProjectState
from tests import factories
from tests.evaluation.conftest import (
    ACCEPT_DAY,
    EVAL_DAY,
    PAID,
    nothing_saved,
    results,
    self_evaluate,
    targets_of,
)


def by_type(ev) -> dict:
    return {r.target.indicator_type: r for r in ev.results.select_related("target")}


def test_full_marks_give_an_excellent_self_evaluation(self_ev, project, unit_user):
    ev = self_ev
    assert ev.state == "submitted" and project.state == ProjectState.ACCEPTANCE
    # 产出 100 · 效益 95 · 满意度 95 · 预算执行率 100 with 50/30/10/10
    assert (ev.output_score, ev.outcome_score, ev.satisfaction_score, ev.budget_execution_score) == (
        D("100.00"),
        D("95.00"),
        D("95.00"),
        D("100.00"),
    )
    assert ev.total == D("98.00") and ev.grade == "excellent"
    # money arrived is read from the ledger: the first tranche
    assert (ev.planned, ev.arrived, ev.spent) == (D("4000000.00"), PAID, PAID)
    assert (ev.arrival_rate, ev.execution_rate) == (D("60.00"), D("100.00"))
    assert ev.profile == project.fund_year.profile and ev.profile_version == project.fund_year.profile.version
    assert ev.rules["weights"] == {"output": 50, "outcome": 30, "satisfaction": 10, "budget_execution": 10}
    assert ev.submitted_on == EVAL_DAY and ev.submitted_by == unit_user
    # each part's weight split evenly across its KPIs: 50 / 3 output KPIs, 30 / 1 outcome KPI
    r = by_type(ev)
    assert [r[k].weight_share for k in ("higher", "lower", "zero")] == [D("16.6667")] * 3
    assert r["qualitative"].weight_share == D("30.0000")
    assert r["qualitative"].points == D("28.50")
    actions = list(
        AuditEvent.objects.filter(action__startswith="evaluation.").values_list("action", flat=True)
    )
    assert actions == ["evaluation.self_evaluation.submitted", "evaluation.project.submitted_for_acceptance"]


def test_each_indicator_kind_is_scored_by_its_formula(paid, project, unit_user):
    ev = self_evaluate(
        project,
        unit_user,
        higher="8",  # 8 / 10 × 100 = 80
        lower="60",  # (100 − 60) / (100 − 50) × 100 = 80
        zero="1",  # an accident: 0, and it must be explained
        band="partly",
        band_score="70",
        explain={"zero": "试验中发生一起轻微事故，已整改。"},
        spent="1200000.00",  # 50% executed
        satisfaction="90",
    )
    r = by_type(ev)
    assert (r["higher"].score, r["higher"].ratio, r["higher"].needs_explanation) == (
        D("80.00"),
        D("0.8000"),
        False,
    )
    assert (r["lower"].score, r["lower"].ratio) == (D("80.00"), D("1.2000"))
    assert (r["zero"].score, r["zero"].ratio, r["zero"].needs_explanation) == (D("0.00"), None, True)
    assert (r["qualitative"].score, r["qualitative"].band) == (D("70.00"), "partly")
    # 产出 mean(80, 80, 0) = 53.33; 效益 70; 满意度 90; 执行率 50
    assert (ev.output_score, ev.outcome_score, ev.execution_rate) == (D("53.33"), D("70.00"), D("50.00"))
    # (53.33·50 + 70·30 + 90·10 + 50·10) / 100 = 61.665 → 61.67
    assert ev.total == D("61.67") and ev.grade == "fair"
    rules = ev.rules
    assert kpi_basis(r["higher"], rules) == "越大越好：实际 8 ÷ 目标 10 × 100 = 80 分。"
    assert kpi_basis(r["lower"], rules) == (
        "越小越好：实际 60千瓦时 超过目标 50千瓦时，按直线递减至 100 时为0分：(100 − 60) ÷ (100 − 50) × 100 = 80 分。"
    )
    assert kpi_basis(r["zero"], rules) == "目标值为0，实际 1起，未达到目标，得0分。"
    assert (
        kpi_basis(r["qualitative"], rules)
        == "定性指标，评分档次“部分达成并具有一定效果”（60–80 分，不含上限），评定 70 分。"
    )


INDICATOR_CASES = [
    ({"higher": "12"}, "higher", D("100.00")),  # beyond the target: full marks
    ({"lower": "40"}, "lower", D("100.00")),
    ({"lower": "100", "explain": {"lower": "能耗偏高。"}}, "lower", D("0.00")),  # twice the target: 0
    ({"lower": "99", "explain": {"lower": "能耗偏高。"}}, "lower", D("2.00")),
    ({"zero": "0"}, "zero", D("100.00")),
    ({"band": "not_achieved", "band_score": "30"}, "qualitative", D("30.00")),
    ({"band": "achieved", "band_score": "80"}, "qualitative", D("80.00")),
]


def test_indicator_scores(paid, project, unit_user, office):
    for kpis, kind, score in INDICATOR_CASES:
        ev = self_evaluate(project, unit_user, **kpis)
        assert by_type(ev)[kind].score == score, kpis
        services.return_self_evaluation(ev, actor=office, reason="再评一次。")


def test_an_actual_at_130_percent_needs_a_written_explanation(paid, project, unit_user):
    t = targets_of(project)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        self_evaluate(project, unit_user, higher="13")
    msg = "“发表高水平论文”实际完成值 13篇 达到目标值 10篇 的 130% 以上，请填写偏差原因说明。"
    assert exc.value.message == msg and exc.value.errors == {f"results.{t['higher'].pk}.explanation": [msg]}
    # lower-is-better deviates the other way: 65 ≥ 1.3 × 50
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        self_evaluate(project, unit_user, lower="65")
    assert exc.value.errors == {
        f"results.{t['lower'].pk}.explanation": [
            "“单位产品能耗”实际完成值 65千瓦时 达到目标值 50千瓦时 的 130% 以上，请填写偏差原因说明。"
        ]
    }
    # just under the threshold needs none
    ev = self_evaluate(project, unit_user, higher="12.99")
    r = by_type(ev)["higher"]
    assert r.needs_explanation is False and r.score == D("100.00")


def test_an_explained_deviation_is_kept(paid, project, unit_user):
    ev = self_evaluate(
        project, unit_user, higher="13", explain={"higher": "合作单位追加投入，论文超额完成。"}
    )
    r = by_type(ev)["higher"]
    assert (
        r.needs_explanation and r.explanation == "合作单位追加投入，论文超额完成。" and r.score == D("100.00")
    )


def test_the_explanation_threshold_follows_the_policy(paid, project, unit_user):
    # TEST SETUP ONLY: the profile's table changed in place, as a newly loaded policy version would say.
    profile = project.fund_year.profile
    profile.rules = copy.deepcopy(profile.rules)
    profile.rules["auto_scoring"]["deviation_explanation_factor"] = "1.50"
    profile.save(update_fields=["rules"])
    ev = self_evaluate(project, unit_user, higher="14")
    assert by_type(ev)["higher"].needs_explanation is False


def test_the_weights_come_from_the_policy(paid, project, unit_user):
    # TEST SETUP ONLY: 产出 40 · 效益 40 · 满意度 10 · 预算执行率 10 instead of 50/30/10/10.
    profile = project.fund_year.profile
    profile.rules = copy.deepcopy(profile.rules)
    profile.rules["self_evaluation_weights"]["weights"] = {
        "output": 40,
        "outcome": 40,
        "satisfaction": 10,
        "budget_execution": 10,
    }
    profile.save(update_fields=["rules"])
    ev = self_evaluate(
        project,
        unit_user,
        higher="8",
        lower="60",
        zero="1",
        band="partly",
        band_score="70",
        explain={"zero": "事故说明。"},
        spent="1200000.00",
        satisfaction="90",
    )
    # (53.33·40 + 70·40 + 90·10 + 50·10) / 100 = 63.332 → 63.33 (61.67 with the preset's weights)
    assert ev.total == D("63.33") and ev.rules["weights"]["outcome"] == 40
    r = by_type(ev)
    assert r["higher"].weight_share == D("13.3333") and r["qualitative"].weight_share == D("40.0000")


# ---------------------------------------------------------------------------------------------
# Refusals


def test_only_the_implementing_unit_submits(paid, project, office, dept_officer, finance, applicant):
    kwargs = {"summary": "x", "spent": "1", "satisfaction": "90", "results": results(project)}
    for user in (office, dept_officer, finance):
        with nothing_saved(), pytest.raises(NotAllowed):
            services.submit_self_evaluation(project, actor=user, **kwargs)
    with nothing_saved(), pytest.raises(NotVisible):  # another organisation's applicant
        services.submit_self_evaluation(project, actor=applicant, **kwargs)


def test_a_project_not_in_progress_is_refused(project, unit_user):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.submit_self_evaluation(
            project, actor=unit_user, summary="x", spent="0", satisfaction="90", results={}
        )
    assert exc.value.message == (
        f"项目 {project.number} 当前状态为“预算已安排，待签任务书”，只有执行中的项目才能提交自评。"
    )


def test_a_second_submission_is_refused(self_ev, project, unit_user):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        self_evaluate(project, unit_user)
    assert exc.value.code == "project_not_in_progress" and "已提交自评，待验收评价" in exc.value.message


def test_without_money_arrived_there_is_no_execution_rate(running, project, unit_user):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        self_evaluate(project, unit_user, spent="0")
    assert exc.value.message == (
        f"项目 {project.number} 尚无到位资金（已拨付 0.00 元），无法计算预算执行率，暂不能提交自评。"
    )


SPENT_CASES = [
    ("2400000.01", "实际支出 2,400,000.01 元超过到位资金 2,400,000.00 元。"),
    ("-1", "实际支出不能为负数。"),
    ("abc", "实际支出：金额“abc”不是有效的数字。"),
    ("1.001", "实际支出：金额最多保留两位小数（到分）：1.001。"),
    ("", "请填写实际支出。"),
]
SATISFACTION_CASES = [
    ("101", "满意度得分应在0至100之间，实际为101。"),
    ("-1", "满意度得分应在0至100之间，实际为-1。"),
    ("很好", "满意度得分“很好”不是有效的数字。"),
    ("90.123", "满意度得分最多保留2位小数，实际为90.123。"),
    ("", "请填写满意度得分。"),
]


def test_spending_and_satisfaction_refusals(paid, project, unit_user):
    for spent, message in SPENT_CASES:
        with nothing_saved(), pytest.raises(ServiceError) as exc:
            self_evaluate(project, unit_user, spent=spent)
        assert exc.value.message == message and exc.value.errors == {"spent": [message]}
    for satisfaction, message in SATISFACTION_CASES:
        with nothing_saved(), pytest.raises(ServiceError) as exc:
            self_evaluate(project, unit_user, satisfaction=satisfaction)
        assert exc.value.errors == {"satisfaction": [message]}


def test_kpi_input_refusals_name_the_indicator(paid, project, unit_user):
    t = targets_of(project)
    cases = [
        ({"higher": ""}, f"results.{t['higher'].pk}.actual", "请填写“发表高水平论文”的实际完成值。"),
        (
            {"lower": "很多"},
            f"results.{t['lower'].pk}.actual",
            "“单位产品能耗”的实际完成值“很多”不是有效的数字。",
        ),
        ({"band": ""}, f"results.{t['qualitative'].pk}.band", "请为定性指标“带动产业技术升级”选择评分档次。"),
        (
            {"band": "great"},
            f"results.{t['qualitative'].pk}.band",
            "“带动产业技术升级”的评分档次“great”无效；可选：达成目标、部分达成并具有一定效果、未达成目标。",
        ),
        (
            {"band": "partly", "band_score": "80"},
            f"results.{t['qualitative'].pk}.band_score",
            "“带动产业技术升级”选择“部分达成并具有一定效果”档，评分应在60（含）至80（不含）之间，实际为80。",
        ),
        (
            {"band": "achieved", "band_score": "100.5"},
            f"results.{t['qualitative'].pk}.band_score",
            "“带动产业技术升级”选择“达成目标”档，评分应在80（含）至100（含）之间，实际为100.5。",
        ),
    ]
    for kpis, field, message in cases:
        with nothing_saved(), pytest.raises(ServiceError) as exc:
            self_evaluate(project, unit_user, **kpis)
        assert exc.value.message == message and exc.value.errors == {field: [message]}, kpis


def test_every_problem_is_reported_at_once(paid, project, unit_user):
    given = results(project)
    given[999999] = {"actual": "1"}
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.submit_self_evaluation(
            project, actor=unit_user, summary="", spent="", satisfaction="", results=given, today=EVAL_DAY
        )
    assert exc.value.message == "自评有4处需要修改。" and exc.value.code == "self_evaluation_invalid"
    assert exc.value.errors == {
        "summary": ["请填写自评报告。"],
        "spent": ["请填写实际支出。"],
        "satisfaction": ["请填写满意度得分。"],
        "results": ["指标“999999”不属于该项目的任务书。"],
    }


def test_a_contract_without_outcome_targets_cannot_be_weighted(paid, project, unit_user):
    # TEST SETUP ONLY: the contract's qualitative (outcome) target recorded as an output target.
    t = targets_of(project)["qualitative"]
    t.kind = "output"
    t.save(update_fields=["kind"])
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        self_evaluate(project, unit_user)
    assert exc.value.message == "任务书没有“效益”类绩效指标，无法按政策的自评权重计算得分。"


# ---------------------------------------------------------------------------------------------
# 受理 / 退回


def test_the_office_accepts(accepted, office, project):
    assert accepted.state == "accepted" and accepted.decided_by == office
    assert accepted.decided_on == ACCEPT_DAY and accepted.decision_note == "材料齐全。"
    project.refresh_from_db()
    assert project.state == ProjectState.ACCEPTANCE
    ev = AuditEvent.objects.get(action="evaluation.self_evaluation.accepted")
    assert ev.before["state"] == "submitted" and ev.after["state"] == "accepted" and ev.role == "office"


def test_accepting_twice_or_by_another_role_is_refused(accepted, self_ev, finance, unit_user, office):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.accept_self_evaluation(self_ev, actor=office)
    assert exc.value.message == "当前状态为“已受理，作为综合评价依据”，不能变更为“已受理，作为综合评价依据”。"
    for user in (finance, unit_user):
        with nothing_saved(), pytest.raises(NotAllowed):
            services.return_self_evaluation(self_ev, actor=user, reason="x")


def test_out_of_scope_users_get_404(self_ev, applicant, expert):
    for user in (applicant, expert):
        with nothing_saved(), pytest.raises(NotVisible):
            services.accept_self_evaluation(self_ev, actor=user)


def test_the_office_returns_and_the_unit_submits_again(self_ev, project, office, unit_user):
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.return_self_evaluation(self_ev, actor=office, reason="  ")
    assert exc.value.message == "退回自评须说明理由。" and exc.value.errors == {
        "reason": ["请填写退回理由。"]
    }
    ev = services.return_self_evaluation(
        self_ev, actor=office, reason="请补充能耗检测报告。", today=ACCEPT_DAY
    )
    project.refresh_from_db()
    assert ev.state == "returned" and project.state == ProjectState.IN_PROGRESS
    moved = AuditEvent.objects.get(action="evaluation.project.returned_to_progress")
    assert moved.before == {"state": "acceptance"} and moved.after == {"state": "in_progress"}
    assert moved.reason == "请补充能耗检测报告。"
    again = self_evaluate(project, unit_user, higher="9")
    assert again.pk != ev.pk and SelfEvaluation.objects.filter(project=project).count() == 2
    assert services.live_self_evaluation(project) == again


def test_a_unit_of_another_project_cannot_submit(paid, project):
    other = factories.user("applicant")
    with nothing_saved(), pytest.raises(NotVisible):
        self_evaluate(project, other)
