"""Pending work on the home page and the links of each role."""

from techfund.core.home import links_for, pending_for
from techfund.monitoring import services as monitoring
from tests.monitoring.conftest import AFTER_P1, IN_P1, LATE_P1, submit


def kinds(user, role):
    return [(p.kind, p.detail) for p in pending_for(user)[role] if p.url.startswith("/monitoring/")]


def test_pending_work_of_each_role(paid, running, unit_user, dept_officer, other_officer, office, clock):
    clock(IN_P1)
    assert kinds(unit_user, "applicant") == []  # period 1 is under way: not yet due
    clock(AFTER_P1)
    (item,) = [p for p in pending_for(unit_user)["applicant"] if p.url.startswith("/monitoring/")]
    assert item.kind == "进展报告待报送" and item.url == f"/monitoring/projects/{running.pk}/report/?period=1"
    assert item.detail == "第1期（2026年10月20日至2027年4月19日），请于2027年5月4日前报送"
    clock(LATE_P1)
    assert kinds(unit_user, "applicant") == [("进展报告逾期未报", "第1期，应于2027年5月4日前报送，已逾期6天")]
    assert kinds(office, "office") == [("项目执行逾期", "截至2027年5月10日")]
    assert [p.title for p in pending_for(office)["office"] if p.kind == "项目执行逾期"] == [
        "逾期未报进展报告 1 份，逾期未整改 0 项"
    ]

    report = submit(running, unit_user, today=LATE_P1)
    assert kinds(unit_user, "applicant") == []
    assert kinds(dept_officer, "department") == [("进展报告待审核", "第1期，2027年5月10日报送")]
    assert kinds(other_officer, "department") == []
    monitoring.review_progress_report(
        report, actor=dept_officer, decision="return", opinion="补充凭证", today=LATE_P1
    )
    assert kinds(unit_user, "applicant") == [("进展报告逾期未报", "第1期，应于2027年5月4日前报送，已逾期6天")]

    rect = monitoring.issue_rectification(
        running, actor=dept_officer, issue="凭证不全", requirement="补齐", today=LATE_P1
    )
    assert ("整改通知待报送整改情况", f"{rect.number}，整改期限2027年6月9日") in kinds(unit_user, "applicant")
    monitoring.respond_rectification(rect, actor=unit_user, response="已补齐", today=LATE_P1)
    assert ("整改情况待核验", f"{rect.number}，2027年5月10日报送整改情况") in kinds(
        dept_officer, "department"
    )
    esc = monitoring.escalate(
        running, actor=dept_officer, summary="问题严重", suggested_action="suspend", today=LATE_P1
    )
    (todo,) = [p for p in pending_for(office)["office"] if p.kind == "重大问题待处理"]
    assert todo.url == f"/monitoring/escalations/{esc.pk}/handle/" and todo.detail.endswith("建议：暂停拨款")


def test_links(office, leader, finance, auditor, officer, applicant, expert):
    for user in (office, leader, finance, auditor, officer, applicant):
        assert "monitoring:overview" in [name for name, _ in links_for(user)]
    assert "monitoring:overview" not in [name for name, _ in links_for(expert)]
