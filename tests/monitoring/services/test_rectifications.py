"""Rectification orders: issue (deadline from policy), respond, verify (close or send back with a new
deadline); refusals with their messages and nothing saved; wrong roles and states."""

import datetime as dt

import pytest

from techfund.core.errors import NotAllowed, NotVisible, ServiceError
from techfund.core.models import AuditEvent
from techfund.monitoring import services as monitoring
from techfund.monitoring.models import Rectification
from tests.monitoring.conftest import IN_P1, nothing_saved, submit

D = dt.date


def refused(fn, *args, **kwargs) -> ServiceError:
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        fn(*args, **kwargs)
    return exc.value


def issue(project, actor, today=IN_P1, **kw):
    data = {"issue": "资金使用进度明显滞后", "requirement": "报送资金使用计划并加快执行", **kw}
    return monitoring.issue_rectification(project, actor=actor, today=today, **data)


def test_issue_respond_reject_and_close(running, unit_user, dept_officer):
    rect = issue(running, dept_officer)
    assert rect.deadline == IN_P1 + dt.timedelta(days=30) == D(2027, 3, 31)
    assert (rect.seq, rect.round, rect.state, rect.issued_on) == (1, 1, "issued", IN_P1)
    assert rect.number == f"ZG-{running.number}-01"
    assert AuditEvent.objects.get(action="monitoring.rectification.issued").after["deadline"] == "2027-03-31"

    monitoring.respond_rectification(
        rect, actor=unit_user, response="已报送资金使用计划。", today=D(2027, 4, 2)
    )
    rect.refresh_from_db()
    assert rect.state == "responded" and rect.responded_by == unit_user and rect.responded_on == D(2027, 4, 2)
    assert AuditEvent.objects.get(action="monitoring.rectification.responded").data["late"] is True

    monitoring.verify_rectification(
        rect,
        actor=dept_officer,
        decision="reject",
        opinion="计划缺少分月安排",
        deadline="2027-04-30",
        today=D(2027, 4, 5),
    )
    rect.refresh_from_db()
    assert rect.state == "issued" and rect.deadline == D(2027, 4, 30) and rect.round == 2
    assert rect.verification_opinion == "计划缺少分月安排"
    ev = AuditEvent.objects.get(action="monitoring.rectification.rejected")
    assert ev.before == {"state": "responded", "deadline": "2027-03-31", "round": 1}
    assert (
        ev.after == {"state": "issued", "deadline": "2027-04-30", "round": 2}
        and ev.reason == "计划缺少分月安排"
    )

    monitoring.respond_rectification(rect, actor=unit_user, response="已补充分月安排。", today=D(2027, 4, 20))
    # without a new deadline, the policy's default from the day of the rejection
    monitoring.verify_rectification(
        rect, actor=dept_officer, decision="reject", opinion="缺佐证", today=D(2027, 4, 21)
    )
    rect.refresh_from_db()
    assert rect.deadline == D(2027, 4, 21) + dt.timedelta(days=30) and rect.round == 3
    monitoring.respond_rectification(rect, actor=unit_user, response="已补佐证。", today=D(2027, 4, 22))
    monitoring.verify_rectification(rect, actor=dept_officer, decision="close", today=D(2027, 4, 22))
    rect.refresh_from_db()
    assert rect.state == "closed" and rect.verified_by == dept_officer and rect.verified_on == D(2027, 4, 22)
    assert issue(running, dept_officer).seq == 2


def test_issue_refusals(running, dept_officer, project_b, running_b, unit_user):
    e = refused(issue, running, dept_officer, deadline=IN_P1)
    assert e.errors == {"deadline": ["整改期限（2027-03-01）必须晚于今天（2027-03-01）。"]}
    e = refused(issue, running, dept_officer, deadline="2027-05-31")
    assert e.message == "整改期限（2027-05-31）不能晚于2027-05-30（自今天起最长90天）。"
    assert issue(running, dept_officer, deadline="2027-05-30").deadline == D(2027, 5, 30)  # the limit itself
    e = refused(issue, running, dept_officer, deadline="2027/05/01")
    assert e.errors == {"deadline": ["整改期限“2027/05/01”不是有效的日期（格式：2026-03-01）。"]}
    e = refused(issue, running, dept_officer, issue="", requirement=" ")
    assert e.message == "整改通知有2处需要修改。"
    assert e.errors == {"issue": ["请填写存在的问题。"], "requirement": ["请填写整改要求。"]}
    report_b = submit(running_b, _unit_of(running_b), today=IN_P1, funds_spent="0")
    e = refused(issue, running, dept_officer, report=report_b)
    assert e.message == f"所涉进展报告 #{report_b.pk} 不是该项目的报告。"


def _unit_of(project):
    from techfund.core.enums import Role
    from techfund.core.models import User

    return User.objects.filter(
        grants__role=Role.APPLICANT,
        grants__organisation=project.organisation,
        grants__revoked_at__isnull=True,
    ).first()


def test_wrong_states(running, unit_user, dept_officer):
    rect = issue(running, dept_officer)
    e = refused(monitoring.verify_rectification, rect, actor=dept_officer, decision="close", today=IN_P1)
    assert e.message == "该整改通知当前状态为“已下达，待整改”，单位尚未报送整改情况或已销号，不能核验。"
    e = refused(monitoring.respond_rectification, rect, actor=unit_user, response=" ", today=IN_P1)
    assert e.errors == {"response": ["请填写整改情况。"]}
    monitoring.respond_rectification(rect, actor=unit_user, response="已整改", today=IN_P1)
    e = refused(monitoring.respond_rectification, rect, actor=unit_user, response="again", today=IN_P1)
    assert e.message == "该整改通知当前状态为“已报整改情况，待核验”，不需要再报送整改情况。"
    e = refused(
        monitoring.verify_rectification, rect, actor=dept_officer, decision="reject", opinion="", today=IN_P1
    )
    assert e.errors == {"opinion": ["整改不到位须写明核验意见（还需整改的内容）。"]}
    e = refused(
        monitoring.verify_rectification,
        rect,
        actor=dept_officer,
        decision="reject",
        opinion="x",
        deadline="2028-01-01",
        today=IN_P1,
    )
    assert e.message == "整改期限（2028-01-01）不能晚于2027-05-30（自今天起最长90天）。"
    e = refused(monitoring.verify_rectification, rect, actor=dept_officer, decision="ok", today=IN_P1)
    assert e.message == "核验结论“ok”无效（可选：close 整改到位、reject 整改不到位）。"
    monitoring.verify_rectification(rect, actor=dept_officer, decision="close", today=IN_P1)
    e = refused(monitoring.respond_rectification, rect, actor=unit_user, response="x", today=IN_P1)
    assert e.message == "该整改通知当前状态为“整改完成”，不需要再报送整改情况。"


def test_only_monitored_projects_get_orders(project, dept_officer):
    e = refused(issue, project, dept_officer)  # arranged, contract not signed
    assert (
        e.message
        == f"项目 {project.number} 当前状态为“预算已安排，待签任务书”，不能下达整改通知（只有执行中或暂停拨款的项目接受执行监管）。"
    )


def test_who_may_issue_respond_and_verify(
    running, unit_user, dept_officer, other_officer, other_unit, office, leader, finance, auditor, expert
):
    for user in (unit_user, leader, finance, auditor):
        with nothing_saved(), pytest.raises(NotAllowed):
            issue(running, user)
    for user in (other_officer, other_unit, expert):
        with nothing_saved(), pytest.raises(NotVisible):
            issue(running, user)
    rect = issue(running, office)
    for user in (dept_officer, office, leader, finance, auditor):
        with nothing_saved(), pytest.raises(NotAllowed):
            monitoring.respond_rectification(rect, actor=user, response="x", today=IN_P1)
    with nothing_saved(), pytest.raises(NotVisible):
        monitoring.respond_rectification(rect, actor=other_unit, response="x", today=IN_P1)
    monitoring.respond_rectification(rect, actor=unit_user, response="已整改", today=IN_P1)
    for user in (unit_user, leader, finance, auditor):
        with nothing_saved(), pytest.raises(NotAllowed):
            monitoring.verify_rectification(rect, actor=user, decision="close", today=IN_P1)
    with nothing_saved(), pytest.raises(NotVisible):
        monitoring.verify_rectification(rect, actor=other_officer, decision="close", today=IN_P1)
    monitoring.verify_rectification(rect, actor=dept_officer, decision="close", today=IN_P1)
    assert Rectification.objects.get().state == "closed"
