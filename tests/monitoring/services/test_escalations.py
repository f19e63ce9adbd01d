"""Major problems escalated by the managing department; the office records its decision."""

import pytest

from techfund.core.errors import NotAllowed, NotVisible, ServiceError
from techfund.core.models import AuditEvent
from techfund.monitoring import services as monitoring
from techfund.monitoring.models import Escalation
from tests.monitoring.conftest import IN_P1, IN_P2, nothing_saved

SUMMARY = "项目负责人离职，核心团队解散，项目无法按任务书实施。"


def refused(fn, *args, **kwargs) -> ServiceError:
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        fn(*args, **kwargs)
    return exc.value


def test_escalate_and_handle(running, dept_officer, office, unit_user):
    rect = monitoring.issue_rectification(
        running, actor=dept_officer, issue="团队变动", requirement="说明情况", today=IN_P1
    )
    esc = monitoring.escalate(
        running,
        actor=dept_officer,
        summary=SUMMARY,
        suggested_action="suspend",
        rectification=rect,
        today=IN_P2,
    )
    assert esc.state == "open" and esc.raised_on == IN_P2 and esc.rectification == rect
    ev = AuditEvent.objects.get(action="monitoring.escalation.raised")
    assert ev.role == "department" and ev.data["rectification"] == rect.pk
    monitoring.handle_escalation(
        esc, actor=office, decision="报领导小组同意，暂停拨款并督促整改。", today=IN_P2
    )
    esc.refresh_from_db()
    assert esc.state == "handled" and esc.decided_action == "suspend" and esc.handled_by == office
    running.refresh_from_db()
    assert running.state == "in_progress"  # the decision is recorded; sanctions act on it
    ev = AuditEvent.objects.get(action="monitoring.escalation.handled")
    assert ev.role == "office" and ev.after == {"state": "handled", "decided_action": "suspend"}
    e = refused(monitoring.handle_escalation, esc, actor=office, decision="again")
    assert e.message == "该重大问题已于2027-06-01处理，不能重复处理。" and e.code == "escalation_handled"


def test_the_office_may_decide_another_action(running, dept_officer, office):
    esc = monitoring.escalate(
        running, actor=dept_officer, summary=SUMMARY, suggested_action="terminate", today=IN_P1
    )
    monitoring.handle_escalation(
        esc, actor=office, decision="先行整改，暂不终止。", action="continue", today=IN_P1
    )
    esc.refresh_from_db()
    assert esc.decided_action == "continue"


def test_refusals(running, project_b, dept_officer, office):
    e = refused(
        monitoring.escalate, running, actor=dept_officer, summary=" ", suggested_action="", today=IN_P1
    )
    assert e.message == "重大问题报告有2处需要修改。"
    assert e.errors == {"summary": ["请填写问题摘要。"], "suggested_action": ["请选择处理方式。"]}
    e = refused(
        monitoring.escalate,
        running,
        actor=dept_officer,
        summary=SUMMARY,
        suggested_action="fine",
        today=IN_P1,
    )
    assert e.errors == {
        "suggested_action": [
            "处理方式“fine”无效（可选：continue 继续执行、suspend 暂停拨款、terminate 终止项目、recover 追回资金）。"
        ]
    }
    e = refused(
        monitoring.escalate,
        running,
        actor=dept_officer,
        summary=SUMMARY,
        suggested_action="suspend",
        report=999999,
    )
    assert e.message == "进展报告 #999999 不是该项目的记录。"
    esc = monitoring.escalate(
        running, actor=dept_officer, summary=SUMMARY, suggested_action="recover", today=IN_P1
    )
    e = refused(monitoring.handle_escalation, esc, actor=office, decision="", action="nothing")
    assert e.message == "处理意见有2处需要修改。"
    assert e.errors["decision"] == ["请填写办公室处理意见。"]


def test_who_may_escalate_and_handle(
    running, unit_user, dept_officer, other_officer, other_unit, office, leader, finance, auditor, expert
):
    for user in (office, unit_user, leader, finance, auditor):
        with nothing_saved(), pytest.raises(NotAllowed):
            monitoring.escalate(running, actor=user, summary=SUMMARY, suggested_action="suspend", today=IN_P1)
    for user in (other_officer, other_unit, expert):
        with nothing_saved(), pytest.raises(NotVisible):
            monitoring.escalate(running, actor=user, summary=SUMMARY, suggested_action="suspend", today=IN_P1)
    esc = monitoring.escalate(
        running, actor=dept_officer, summary=SUMMARY, suggested_action="suspend", today=IN_P1
    )
    for user in (dept_officer, leader, finance, auditor):
        with nothing_saved(), pytest.raises(NotAllowed):
            monitoring.handle_escalation(esc, actor=user, decision="x", today=IN_P1)
    for user in (unit_user, other_officer, expert):  # the unit does not see escalations
        with nothing_saved(), pytest.raises(NotVisible):
            monitoring.handle_escalation(esc, actor=user, decision="x", today=IN_P1)
    assert Escalation.objects.get().state == "open"
