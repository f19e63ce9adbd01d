"""Pending work on the home page: the unit's projects to self-evaluate, the office's self-evaluations
to accept and comprehensive evaluations to propose, finance's to confirm, the next-year draft; links."""

from techfund.core.home import links_for, pending_for
from techfund.evaluation import services
from techfund.evaluation.home import projects_to_self_evaluate
from tests.evaluation.conftest import EVAL_DAY, GRADE_SCORES, OPINIONS


def kinds(user, role):
    return [(p.kind, p.title) for p in pending_for(user)[role]]


def test_the_unit_is_reminded_at_the_contracts_end(paid, project, unit_user, office):
    title = f"{project.number} {project.title}"
    assert not list(projects_to_self_evaluate(unit_user, today=EVAL_DAY.replace(year=2027)))
    (item,) = projects_to_self_evaluate(unit_user, today=EVAL_DAY)
    assert (item.kind, item.title) == ("项目到期，待提交绩效自评", title)
    assert (
        item.url == f"/evaluation/projects/{project.pk}/self-evaluation/"
        and item.detail == "任务书完成日期 2028-10-31"
    )
    # a returned self-evaluation is pending again whatever the date
    from tests.evaluation.conftest import self_evaluate

    ev = self_evaluate(project, unit_user)
    assert not list(projects_to_self_evaluate(unit_user, today=EVAL_DAY))
    services.return_self_evaluation(ev, actor=office, reason="补充。")
    assert ("自评被退回，待修改后重新提交", title) in kinds(unit_user, "applicant")


def test_office_and_finance_pending_work(self_ev, project, office, finance, fund_year):
    title = f"{project.number} {project.title}"
    assert ("单位自评待受理", title) in kinds(office, "office")
    services.accept_self_evaluation(self_ev, actor=office)
    assert ("自评已受理，待提出综合绩效评价", title) in kinds(office, "office")
    assert ("单位自评待受理", title) not in kinds(office, "office")
    ce = services.propose_comprehensive(
        project, actor=office, scores=GRADE_SCORES["good"], opinions=OPINIONS, signatory="赵办公"
    )
    assert ("自评已受理，待提出综合绩效评价", title) not in kinds(office, "office")
    (item,) = [p for p in pending_for(finance)["finance"] if p.kind == "综合绩效评价待财政部门确认"]
    assert item.url == f"/evaluation/comprehensive/{ce.pk}/" and item.detail == "综合得分 85.00（良）"
    services.confirm_comprehensive(ce, actor=finance, signatory="钱财政")
    assert not [p for p in pending_for(finance)["finance"] if p.kind == "综合绩效评价待财政部门确认"]
    proposal = services.propose_next_year(fund_year, actor=office)
    (todo,) = [p for p in pending_for(office)["office"] if p.kind == "下一年度框架建议待报领导小组"]
    assert todo.url == f"/evaluation/next-year/{proposal.pk}/" and todo.detail == "建议合计 4,000,000.00 元"


def test_links(office, leader, finance, auditor, officer, applicant, expert):
    for user in (office, leader, finance, auditor):
        names = {name for name, _ in links_for(user)}
        assert {"evaluation:project_list", "evaluation:grade_list", "evaluation:next_year_list"} <= names
    assert {"evaluation:project_list", "evaluation:grade_list"} <= {n for n, _ in links_for(officer)}
    names = {n for n, _ in links_for(applicant)}
    assert "evaluation:project_list" in names and "evaluation:grade_list" not in names
    assert not [n for n, _ in links_for(expert) if n.startswith("evaluation:")]
