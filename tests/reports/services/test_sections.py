"""Each section's figures on a known dataset, and the reconciliation checks (sources = allocations +
unallocated; arranged = paid + unpaid + released; paid = disbursed + recovered), with and without
terminations and recoveries."""

import datetime as dt
from decimal import Decimal

from techfund.reports import services as rs
from techfund.sanctions import services as sanctions
from tests.emergency.conftest import M
from tests.reports.conftest import Q4_END, Q4_START, TODAY

EMERGENCY = "★一事一议"


def report(office, fund_year, start=Q4_START, end=Q4_END, today=TODAY):
    return rs.build_report(fund_year, start=start, end=end, actor=office, today=today)


def test_figures_and_sections_on_the_dataset(dataset, fund_year, office):
    a, b, e = dataset
    r = report(office, fund_year)
    assert r.as_of == TODAY and r.reconciled
    f = r.figures
    assert (f["sources"], f["contributions"], f["allocation"], f["pool"]) == (
        250 * M,
        3,
        15 * M,
        235 * M,
    )
    assert (f["projects"], f["arranged"], f["emergency_projects"], f["emergency_amount"]) == (
        3,
        9 * M,
        1,
        2 * M,
    )
    assert (f["paid_in_period"], f["paid_to_end"], f["payments_in_period"]) == (
        Decimal("2400000.00"),
        Decimal("2400000.00"),
        1,
    )
    assert (f["unpaid"], f["released"], f["recovered"], f["balance"]) == (
        Decimal("6600000.00"),
        0,
        0,
        6 * M,
    )
    assert f["execution_rate"] == Decimal("0.2667")

    sources = r.section("sources").table("by_source")
    assert [(row["source"], row["level"], row["amount"]) for row in sources.rows] == [
        ("科技创新类资金", "市级", 150 * M),
        ("工业技改资金", "市级", 60 * M),
        ("省级以上科技资金（省级）", "省级", 40 * M),
    ]
    assert sources.rows[0]["share"] == Decimal("0.6000") and sources.total["amount"] == 250 * M
    assert r.section("sources").table("by_level").values("amount") == [210 * M, 40 * M]

    major = r.section("areas").table("by_area").row(area="重大科技创新专项")
    assert major == {
        "area": "重大科技创新专项",
        "allocation": 10 * M,
        "reserved": 0,
        "projects": 3,
        "arranged": 9 * M,
        "emergency": 2 * M,
        "paid": Decimal("2400000.00"),
        "unpaid": Decimal("6600000.00"),
        "released": 0,
        "balance": 1 * M,
    }
    assert r.section("areas").table("by_area").row(area="重点研发专项")["balance"] == 5 * M

    states = r.section("states").table("by_state")
    assert states.row(state="执行中") == {"state": "执行中", "count": 1, "amount": 4 * M, "emergency": 0}
    assert states.row(state="预算已安排，待签任务书")["count"] == 2
    assert states.row(state="预算已安排，待签任务书")["emergency"] == 1
    by_dept = r.section("states").table("by_department")
    assert by_dept.row(department="市海洋发展局")["arranged"] == 1
    assert by_dept.row(department="市科学技术局")["in_progress"] == 1
    assert by_dept.total["total"] == 3

    pay = r.section("payments")
    assert pay.table("by_department").row(department="市科学技术局")["rate"] == Decimal("0.6000")
    assert pay.table("by_department").row(department="市海洋发展局")["to_end"] == 0
    (detail,) = pay.table("payments").rows
    assert (detail["paid_on"], detail["number"], detail["amount"], detail["treasury_ref"]) == (
        dt.date(2026, 10, 28),
        a.number,
        Decimal("2400000.00"),
        "GK2026-0001",
    )

    flagged = r.section("flagged")
    assert flagged.table("by_type").row(kind="一事一议项目")["count"] == 1
    assert flagged.table("by_type").total["count"] == 1
    (item,) = flagged.table("items").rows
    assert (item["number"], item["emergency"]) == (e.number, EMERGENCY)

    (req,) = r.section("emergency").table("requests").rows
    assert (req["number"], req["project"], req["amount"], req["state"]) == (
        "YS2026-001",
        e.number,
        2 * M,
        "领导小组同意，已直接立项",
    )

    projects = r.section("projects").table("projects")
    assert [(row["number"], row["emergency"]) for row in projects.rows] == [
        (a.number, ""),
        (b.number, ""),
        (e.number, EMERGENCY),
    ]
    assert projects.row(number=a.number)["unpaid"] == Decimal("1600000.00")
    assert projects.total["amount"] == 9 * M


def test_money_paid_follows_the_payment_dates(dataset, fund_year, office):
    before = report(office, fund_year, dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert (before.figures["paid_in_period"], before.figures["paid_to_end"]) == (0, 0)
    assert before.section("payments").table("payments").rows == []
    after = report(office, fund_year, dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert after.figures["paid_in_period"] == 0 and after.figures["paid_to_end"] == Decimal("2400000.00")
    assert before.reconciled and after.reconciled


def test_an_overdue_tranche_is_flagged(running, project, fund_year, office):
    # signed 2026-10-20: the first tranche (2,400,000) fell due on 2026-11-19 and is unpaid
    r = report(office, fund_year)
    (item,) = r.section("flagged").table("items").rows
    assert item["kind"] == "拨付逾期" and item["day"] == dt.date(2026, 11, 19)
    assert item["amount"] == Decimal("2400000.00")
    assert item["detail"] == "第1期计划 2,400,000.00 元，2026-11-19 到期，尚有 2,400,000.00 元未拨付"
    assert r.section("projects").table("projects").row(number=project.number)["flags"] == "拨付逾期"
    # counted on the period's end when the period is over
    early = report(office, fund_year, dt.date(2026, 10, 1), dt.date(2026, 11, 15))
    assert early.as_of == dt.date(2026, 11, 15) and early.section("flagged").table("items").rows == []


def test_an_overdue_progress_report_is_flagged(paid, project, fund_year, office):
    # the first reporting period runs 2026-10-20 – 2027-04-19 and is due 15 days later
    r = report(office, fund_year, dt.date(2027, 4, 1), dt.date(2027, 6, 30), today=dt.date(2027, 7, 1))
    (item,) = r.section("flagged").table("items").rows
    assert item["kind"] == "进展报告逾期" and item["day"] == dt.date(2027, 5, 4)
    assert item["detail"] == "第1期进展报告（2026-10-20至2027-04-19）2027-05-04 到期未报，逾期57天"


def test_termination_and_recovery_reconcile(paid, project, project_b, fund_year, office, finance):
    day = dt.date(2026, 11, 10)
    order = sanctions.propose_sanction(
        project_b,
        actor=office,
        kind="terminate",
        reason="承担单位无法实施",
        basis="领导小组会议纪要",
        today=day,
    )
    sanctions.decide_sanction(order, actor=finance, decision="concur", today=day)
    rec = sanctions.issue_recovery(
        project,
        actor=office,
        amount="400000",
        reason="违规使用资金",
        basis="审计报告",
        deadline=dt.date(2026, 12, 10),
        today=day,
    )
    sanctions.decide_recovery(rec, actor=finance, decision="concur", today=day)
    sanctions.record_receipt(
        rec,
        actor=finance,
        amount="100000",
        treasury_ref="JK2026-0001",
        received_on=dt.date(2026, 11, 15),
        today=dt.date(2026, 11, 16),
    )
    r = report(office, fund_year)
    f = r.figures
    assert (f["released"], f["recovered"], f["unpaid"]) == (
        3 * M,
        Decimal("100000.00"),
        Decimal("1600000.00"),
    )
    assert f["pool"] == Decimal("235100000.00")  # the recovery returned to the pool
    assert f["disbursed"] == Decimal("2300000.00")
    assert r.reconciled, [(c.label, c.left, c.right) for c in r.checks]
    checks = {c.label: c for c in r.checks}
    arranged = checks["项目安排 = 已拨付 + 未拨付 + 终止释放"]
    assert (arranged.left, arranged.right) == (7 * M, 7 * M)
    sources = checks["资金来源 = 框架配置 + 未分配"]
    assert sources.left == 250 * M and sources.right == 15 * M + Decimal("235100000.00") - Decimal(
        "100000.00"
    )
    major = r.section("areas").table("by_area").row(area="重大科技创新专项")
    assert (major["released"], major["balance"]) == (3 * M, 6 * M)
    kinds = [(i["kind"], i["number"]) for i in r.section("flagged").table("items").rows]
    assert kinds == [("已终止", project_b.number), ("追回资金未缴清", project.number)]
    assert r.section("states").table("by_state").row(state="已终止")["count"] == 1


def test_evaluation_grades(paid, project, unit_user, office, finance, fund_year):
    from tests.evaluation.conftest import evaluate

    evaluate(project, office=office, finance=finance, unit=unit_user, grade="good")
    r = report(office, fund_year, dt.date(2028, 10, 1), dt.date(2028, 12, 31), today=dt.date(2028, 12, 31))
    ev = r.section("evaluation")
    assert ev.table("by_grade").values("count") == [0, 1, 0, 0]
    assert ev.table("by_grade").row(grade="良")["share"] == 1
    assert ev.table("by_area").row(area="重大科技创新专项")["good"] == 1
    assert ev.table("by_department").row(department="市科学技术局")["total"] == 1
    (row,) = ev.table("evaluations").rows
    assert (row["number"], row["grade"], row["total"]) == (project.number, "良", Decimal("85.00"))
    assert r.figures["evaluated"] == 1 and r.figures["grade_good"] == 1
    assert r.section("states").table("by_state").row(state="已验收评价")["count"] == 1
    assert r.reconciled


def test_charts_read_their_tables(dataset, fund_year, office):
    r = report(office, fund_year)
    areas = r.section("areas")
    categories, series = areas.chart_data(areas.charts[0])
    assert categories[0] == "重大科技创新专项"
    assert [name for name, _ in series] == ["框架配置（元）", "已安排项目（元）", "已拨付（元）"]
    assert series[0][1][:2] == [10 * M, 5 * M]
    assert {c.key for s in r.sections for c in s.charts} == {
        "sources_pie",
        "areas_bar",
        "states_bar",
        "payments_bar",
        "flagged_bar",
        "grades_pie",
    }


def test_as_data_for_the_api(dataset, fund_year, office):
    d = report(office, fund_year).as_dict()
    assert d["year"] == 2026 and d["start"] == "2026-10-01" and d["reconciled"] is True
    assert d["figures"]["arranged"] == "9000000.00"
    assert [s["key"] for s in d["sections"]] == [
        "overview",
        "sources",
        "areas",
        "states",
        "payments",
        "flagged",
        "emergency",
        "evaluation",
        "projects",
    ]
