"""The reporting schedule (derived from the signing date, the policy and the contract's end date) and
what is overdue on a given day."""

import datetime as dt

from django.utils import timezone

from techfund.monitoring import schedule
from techfund.monitoring import services as monitoring
from techfund.monitoring.schedule import add_months, periods_between, report_schedule
from tests.monitoring.conftest import AFTER_P1, IN_P1, IN_P2, LATE_P1, submit

D = dt.date


def spans(periods):
    return [(p.number, p.start, p.end, p.due) for p in periods]


def test_add_months_clamps_to_the_end_of_the_month():
    assert add_months(D(2026, 10, 20), 6) == D(2027, 4, 20)
    assert add_months(D(2026, 8, 31), 6) == D(2027, 2, 28)
    assert add_months(D(2027, 8, 31), 6) == D(2028, 2, 29)  # leap year
    assert add_months(D(2026, 12, 15), 1) == D(2027, 1, 15)
    assert add_months(D(2026, 1, 31), 12) == D(2027, 1, 31)


def test_periods_every_interval_until_the_end_date():
    assert spans(periods_between(D(2026, 10, 20), D(2028, 10, 31), interval_months=6, due_days=15)) == [
        (1, D(2026, 10, 20), D(2027, 4, 19), D(2027, 5, 4)),
        (2, D(2027, 4, 20), D(2027, 10, 19), D(2027, 11, 3)),
        (3, D(2027, 10, 20), D(2028, 4, 19), D(2028, 5, 4)),
        (4, D(2028, 4, 20), D(2028, 10, 19), D(2028, 11, 3)),
        (5, D(2028, 10, 20), D(2028, 10, 31), D(2028, 11, 15)),  # the last period ends with the contract
    ]
    # a month-end signing keeps its rhythm from the signing date (no drift) and ends exactly on the end date
    assert spans(periods_between(D(2026, 8, 31), D(2027, 8, 30), interval_months=6, due_days=10)) == [
        (1, D(2026, 8, 31), D(2027, 2, 27), D(2027, 3, 9)),
        (2, D(2027, 2, 28), D(2027, 8, 30), D(2027, 9, 9)),
    ]
    # quarterly, due the same day the period ends
    assert [
        p.end for p in periods_between(D(2027, 1, 1), D(2027, 12, 31), interval_months=3, due_days=0)
    ] == [
        D(2027, 3, 31),
        D(2027, 6, 30),
        D(2027, 9, 30),
        D(2027, 12, 31),
    ]
    assert periods_between(D(2027, 1, 2), D(2027, 1, 1), interval_months=6, due_days=15) == []


def test_the_projects_schedule_from_its_contract_and_policy(running, contract, project_b):
    periods = report_schedule(running, today=IN_P1)
    assert spans(periods)[0] == (1, D(2026, 10, 20), D(2027, 4, 19), D(2027, 5, 4))
    assert len(periods) == 5 and periods[-1].end == contract.end_date == D(2028, 10, 31)
    assert [p.status for p in periods] == ["open", "upcoming", "upcoming", "upcoming", "upcoming"]
    assert [p.status for p in report_schedule(running, today=D(2026, 10, 19))][0] == "upcoming"
    assert report_schedule(running, today=AFTER_P1)[0].status == "due"
    assert report_schedule(running, today=D(2027, 5, 4))[0].status == "due"  # the due date itself
    late = report_schedule(running, today=LATE_P1)[0]
    assert late.status == "overdue" and late.days_overdue == 6 and late.submittable
    # another interval in the policy gives another schedule
    rules = running.fund_year.profile.rules
    rules["monitoring"]["report_interval_months"] = 12
    rules["monitoring"]["report_due_days"] = 30
    running.fund_year.profile.save(update_fields=["rules"])
    running.fund_year.profile.refresh_from_db()
    assert spans(report_schedule(running, today=IN_P1))[:2] == [
        (1, D(2026, 10, 20), D(2027, 10, 19), D(2027, 11, 18)),
        (2, D(2027, 10, 20), D(2028, 10, 19), D(2028, 11, 18)),
    ]
    # no schedule before the contract is signed by both sides
    assert report_schedule(project_b, today=IN_P1) == []
    # without a day, the schedule is for today
    assert schedule.current_date() == timezone.localdate()
    assert report_schedule(running)[0].number == 1


def test_statuses_follow_the_reports(paid, running, unit_user, dept_officer):
    r1 = submit(running, unit_user, period=1, today=AFTER_P1)
    periods = report_schedule(running, today=LATE_P1)
    assert periods[0].status == "submitted" and periods[0].report == r1 and not periods[0].submittable
    monitoring.review_progress_report(
        r1, actor=dept_officer, decision="return", opinion="补充资金使用明细", today=LATE_P1
    )
    p1 = report_schedule(running, today=LATE_P1)[0]
    assert (
        p1.status == "overdue" and p1.report is None and p1.last_returned == r1
    )  # a returned report does not count
    r2 = submit(running, unit_user, period=1, today=LATE_P1)
    monitoring.review_progress_report(r2, actor=dept_officer, decision="accept", today=LATE_P1)
    p1 = report_schedule(running, today=LATE_P1)[0]
    assert p1.status == "accepted" and p1.report == r2 and p1.returned == [r1]
    assert r2.late and not r1.late


def test_overdue_on_a_given_day_within_scope(
    paid, running, running_b, unit_user, dept_officer, other_officer, office, auditor, other_unit, expert
):
    assert len(monitoring.overdue(office, today=AFTER_P1)) == 0
    late = monitoring.overdue(office, today=LATE_P1)
    assert [(o.project, o.period.number, o.period.days_overdue) for o in late.reports] == [
        (running, 1, 6),
        (running_b, 1, 6),
    ]
    submit(running, unit_user, period=1, today=LATE_P1)
    rect = monitoring.issue_rectification(
        running, actor=dept_officer, issue="资金使用进度滞后", requirement="提交资金使用计划", today=IN_P2
    )  # deadline 2027-07-01
    on = D(2027, 12, 1)  # period 2 of both (due 2027-11-03) is overdue too, and the rectification
    late = monitoring.overdue(office, today=on)
    assert [(o.project.number, o.period.number) for o in late.reports] == [
        (running_b.number, 1),
        (running.number, 2),
        (running_b.number, 2),
    ]
    assert late.rectifications == [rect]
    assert late.reports[0].period.days_overdue == (on - D(2027, 5, 4)).days
    assert monitoring.overdue(auditor, today=on).rectifications == [rect]
    mine = monitoring.overdue(dept_officer, today=on)
    assert [o.project for o in mine.reports] == [running] and mine.rectifications == [rect]
    assert [o.project for o in monitoring.overdue(unit_user, today=on).reports] == [running]
    theirs = monitoring.overdue(other_officer, today=on)
    assert [o.project for o in theirs.reports] == [running_b, running_b] and theirs.rectifications == []
    assert (
        len(monitoring.overdue(other_unit, today=on)) == 0 and len(monitoring.overdue(expert, today=on)) == 0
    )
    # answered rectifications are no longer overdue; neither is a report period after it is submitted
    monitoring.respond_rectification(rect, actor=unit_user, response="已提交资金使用计划", today=on)
    assert monitoring.overdue(office, today=on).rectifications == []
