"""Submitting and reviewing progress reports: the happy paths, every refusal (with its message and
nothing saved), wrong roles and wrong states."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from techfund.core.errors import NotAllowed, NotVisible, ServiceError
from techfund.core.models import AuditEvent
from techfund.monitoring import services as monitoring
from techfund.monitoring.models import ProgressReport, Rectification
from tests.monitoring.conftest import AFTER_P1, IN_P1, LATE_P1, REPORT, nothing_saved, submit


def refused(fn, *args, **kwargs) -> ServiceError:
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        fn(*args, **kwargs)
    return exc.value


def test_the_unit_submits_and_the_department_accepts(paid, running, unit_user, dept_officer):
    report = submit(running, unit_user, period=1, today=AFTER_P1, problems="进口部件到货延迟")
    assert (report.period, report.period_start, report.period_end, report.due_date) == (
        1,
        dt.date(2026, 10, 20),
        dt.date(2027, 4, 19),
        dt.date(2027, 5, 4),
    )
    assert report.state == "submitted" and report.funds_spent == Decimal("1200000.00")
    assert (
        report.paid_to_date == Decimal("2400000.00") and report.submitted_on == AFTER_P1 and not report.late
    )
    ev = AuditEvent.objects.filter(action="monitoring.report.submitted").get()
    assert ev.role == "applicant" and ev.data["period"] == 1 and ev.data["paid_to_date"] == "2400000.00"
    assert ev.target_id == str(report.pk)

    monitoring.review_progress_report(
        report, actor=dept_officer, decision="accept", opinion="", today=LATE_P1
    )
    report.refresh_from_db()
    assert report.state == "accepted" and report.reviewed_by == dept_officer and report.reviewed_on == LATE_P1
    ev = AuditEvent.objects.filter(action="monitoring.report.accepted").get()
    assert (
        ev.role == "department" and ev.before == {"state": "submitted"} and ev.after == {"state": "accepted"}
    )


def test_returned_then_resubmitted_with_a_rectification_in_the_same_review(paid, running, unit_user, office):
    first = submit(running, unit_user, period=1, today=IN_P1)
    monitoring.review_progress_report(
        first,
        actor=office,
        decision="return",
        opinion="请补充资金使用明细",
        rectification={"issue": "资金使用明细缺失", "requirement": "补报明细账", "deadline": "2027-04-15"},
        today=IN_P1,
    )
    first.refresh_from_db()
    assert first.state == "returned" and first.review_opinion == "请补充资金使用明细"
    rect = Rectification.objects.get()
    assert rect.report == first and rect.deadline == dt.date(2027, 4, 15) and rect.seq == 1
    assert rect.issued_by == office and rect.state == "issued"
    ev = AuditEvent.objects.get(action="monitoring.report.returned")
    assert ev.role == "office" and ev.reason == "请补充资金使用明细"
    second = submit(running, unit_user, period=1, today=LATE_P1, funds_spent="1300000")
    assert second.late and ProgressReport.objects.count() == 2
    assert AuditEvent.objects.filter(action="monitoring.report.submitted").last().data["replaces"] == [
        first.pk
    ]


def test_submission_refusals(paid, running, unit_user):
    e = refused(submit, running, unit_user, period=2, today=IN_P1)
    assert e.message == "第2期报告期自2027年4月20日开始，尚未开始，不能报送。" and e.errors == {
        "period": [e.message]
    }
    e = refused(submit, running, unit_user, period=9, today=IN_P1)
    assert e.message == "报告期次 9 不存在：该项目共 5 期（第1期至第5期）。" and e.code == "period_invalid"
    assert refused(submit, running, unit_user, period="x", today=IN_P1).message == "报告期次“x”无效。"
    assert refused(submit, running, unit_user, period="", today=IN_P1).message == "请选择报告期次。"
    e = refused(submit, running, unit_user, today=IN_P1, funds_spent="2400000.01")
    assert e.errors == {
        "funds_spent": ["累计使用财政资金 2,400,000.01 元超过截至目前已拨付的 2,400,000.00 元。"]
    }
    e = refused(submit, running, unit_user, today=IN_P1, funds_spent="-1")
    assert e.message == "累计使用财政资金不能为负数。"
    e = refused(submit, running, unit_user, today=IN_P1, funds_spent="1.234")
    assert e.message == "累计使用财政资金“1.234”不是有效的金额（元，最多两位小数）。"
    e = refused(submit, running, unit_user, today=IN_P1, progress=" ", milestones="", funds_spent="")
    assert e.message == "进展报告有3处需要修改。" and e.code == "report_invalid"
    assert e.errors == {
        "progress": ["请填写项目进展情况。"],
        "milestones": ["请填写阶段目标完成情况。"],
        "funds_spent": ["请填写累计使用财政资金。"],
    }
    e = refused(submit, running, unit_user, today=IN_P1, problems="问" * 2001)
    assert e.errors == {"problems": ["存在的问题不能超过2000个字符。"]}
    submit(running, unit_user, today=IN_P1, funds_spent="0")
    e = refused(submit, running, unit_user, today=IN_P1)
    assert (
        e.message == "第1期进展报告已于2027年3月1日报送，正在审核，不能重复报送。"
        and e.code == "report_pending"
    )


def test_nothing_paid_means_nothing_spent(running, unit_user):
    e = refused(submit, running, unit_user, today=IN_P1, funds_spent="0.01")
    assert e.message == "累计使用财政资金 0.01 元超过截至目前已拨付的 0.00 元。"
    assert submit(running, unit_user, today=IN_P1, funds_spent="0").paid_to_date == 0


def test_an_accepted_period_is_closed(paid, running, unit_user, dept_officer):
    report = submit(running, unit_user, today=IN_P1)
    monitoring.review_progress_report(report, actor=dept_officer, decision="accept", today=IN_P1)
    e = refused(submit, running, unit_user, today=LATE_P1)
    assert e.message == "第1期进展报告已审核通过，不能重复报送。" and e.code == "report_accepted"
    e = refused(monitoring.review_progress_report, report, actor=dept_officer, decision="return", opinion="x")
    assert e.message == "该进展报告当前状态为“审核通过”，已审核过，不能再次审核。"


def test_who_may_submit_and_review(
    paid,
    running,
    unit_user,
    dept_officer,
    other_officer,
    other_unit,
    leader,
    finance,
    auditor,
    office,
    expert,
):
    for user in (dept_officer, office, leader, finance, auditor):
        with nothing_saved(), pytest.raises(NotAllowed):
            submit(running, user, today=IN_P1)
    for user in (other_unit, other_officer, expert):
        with nothing_saved(), pytest.raises(NotVisible):
            submit(running, user, today=IN_P1)
    report = submit(running, unit_user, today=IN_P1)
    for user in (unit_user, leader, finance, auditor):
        with nothing_saved(), pytest.raises(NotAllowed):
            monitoring.review_progress_report(report, actor=user, decision="accept", today=IN_P1)
    for user in (other_unit, other_officer, expert):
        with nothing_saved(), pytest.raises(NotVisible):
            monitoring.review_progress_report(report, actor=user, decision="accept", today=IN_P1)


def test_review_refusals(paid, running, unit_user, dept_officer):
    report = submit(running, unit_user, today=IN_P1)
    e = refused(monitoring.review_progress_report, report, actor=dept_officer, decision="return", opinion=" ")
    assert e.errors == {"opinion": ["退回进展报告须写明审核意见（需要补充或修改的内容）。"]}
    e = refused(monitoring.review_progress_report, report, actor=dept_officer, decision="maybe")
    assert e.message == "审核结论“maybe”无效（可选：accept 审核通过、return 退回重报）。"
    # a bad rectification in the same review refuses the review too
    e = refused(
        monitoring.review_progress_report,
        report,
        actor=dept_officer,
        decision="accept",
        rectification={"issue": "进度滞后", "requirement": "", "deadline": "2027-12-31"},
        today=IN_P1,
    )
    assert e.message == "整改通知有2处需要修改。"
    assert e.errors == {
        "requirement": ["请填写整改要求。"],
        "deadline": ["整改期限（2027-12-31）不能晚于2027-05-30（自今天起最长90天）。"],
    }


def test_only_projects_in_progress_or_suspended_report(paid, running, unit_user):
    from techfund.projects.models import Project

    for state, label in (("terminated", "已终止"), ("completed", "已验收评价")):
        Project.objects.filter(pk=running.pk).update(
            state=state
        )  # TEST SETUP ONLY: sanctions/evaluation move it
        e = refused(submit, running, unit_user, today=IN_P1)
        assert (
            e.message
            == f"项目 {running.number} 当前状态为“{label}”，不能报送进展报告（只有执行中或暂停拨款的项目接受执行监管）。"
        )
    Project.objects.filter(pk=running.pk).update(state="suspended")  # TEST SETUP ONLY: sanctions suspends
    assert submit(running, unit_user, today=IN_P1).state == "submitted"  # a suspended project still reports


def test_the_database_keeps_one_live_report_per_period_and_spending_within_payments(paid, running, unit_user):
    report = submit(running, unit_user, today=IN_P1)
    fields = {
        f: getattr(report, f)
        for f in (
            "project",
            "period",
            "period_start",
            "period_end",
            "due_date",
            "submitted_by",
            "submitted_on",
            "submitted_at",
        )
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressReport.objects.create(**fields, **{**REPORT, "funds_spent": 0}, paid_to_date=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressReport.objects.create(
            **{**fields, "period": 2}, **{**REPORT, "funds_spent": 5}, paid_to_date=1
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressReport.objects.filter(pk=report.pk).update(state="returned")  # no reviewer, no opinion
