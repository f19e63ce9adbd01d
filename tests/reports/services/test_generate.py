"""Generating the report: the period is checked, the office's workbook (native charts, a sheet per
section, Chinese headers, number formats, frozen headers) and PDF (Chinese font embedded) are kept
with their SHA-256 and an audit event; other roles are refused and nothing is recorded."""

import datetime as dt
import hashlib
import io
import re

import pytest
from openpyxl import load_workbook

from techfund.core.enums import Role
from techfund.core.errors import NotAllowed, NotVisible, ServiceError
from techfund.core.models import AuditEvent
from techfund.reports import services as rs
from techfund.reports.models import ReportRun
from tests import factories
from tests.reports.conftest import Q4_END, Q4_START, TODAY, nothing_recorded, pdf_objects


def generate(fund_year, actor, fmt="xlsx", **kw):
    args = {"start": Q4_START, "end": Q4_END, "today": TODAY} | kw
    return rs.generate_run(fund_year, actor=actor, fmt=fmt, **args)


# ---------------------------------------------------------------- period


@pytest.mark.parametrize(
    ("start", "end", "errors"),
    [
        ("", "", {"start": ["请填写起始日期。"], "end": ["请填写截止日期。"]}),
        ("2026-13-01", "2026-12-31", {"start": ["起始日期“2026-13-01”不是有效的日期（例如 2026-12-31）。"]}),
        ("2026-11-01", "2026-10-31", {"end": ["截止日期 2026-10-31 早于起始日期 2026-11-01。"]}),
        ("2025-10-01", "2025-12-31", {"start": ["起始日期不能早于2026-01-01（2026年度资金的起始）。"]}),
        (
            "2026-10-01",
            "2032-01-31",
            {"end": ["截止日期不能晚于2031-12-31（2026年度资金项目的最长执行期）。"]},
        ),
        ("2026-12-01", "2026-12-31", {"start": ["起始日期不能晚于今天（2026-11-22）：报告期尚未开始。"]}),
    ],
)
def test_the_period_is_checked(fund_year, office, start, end, errors):
    with nothing_recorded(), pytest.raises(ServiceError) as exc:
        rs.build_report(fund_year, start=start, end=end, actor=office, today=TODAY)
    assert exc.value.code == "period_invalid" and exc.value.errors == errors
    if len(errors) == 1:
        assert exc.value.message == next(iter(errors.values()))[0]
    else:
        assert exc.value.message == "报告期有2处需要修改。"


def test_the_default_period_is_the_current_quarter():
    assert rs.quarter_of(dt.date(2026, 11, 22)) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert rs.quarter_of(dt.date(2027, 1, 1)) == (dt.date(2027, 1, 1), dt.date(2027, 3, 31))
    assert rs.quarter_of(dt.date(2027, 6, 30)) == (dt.date(2027, 4, 1), dt.date(2027, 6, 30))


# ---------------------------------------------------------------- scope


def test_who_may_build_and_generate(fund_year, office, leader, finance, auditor, officer, applicant, expert):
    for user in (office, leader, finance, auditor):
        assert rs.build_report(fund_year, start=Q4_START, end=Q4_END, actor=user, today=TODAY).reconciled
    for user in (officer, applicant, expert):  # the whole fund is outside their scope
        with pytest.raises(NotVisible):
            rs.build_report(fund_year, start=Q4_START, end=Q4_END, actor=user, today=TODAY)
    for user in (leader, finance, auditor):
        with nothing_recorded(), pytest.raises(NotAllowed):
            generate(fund_year, user)
    for user in (officer, applicant):
        with nothing_recorded(), pytest.raises(NotVisible):
            generate(fund_year, user)


def test_a_bad_format_or_period_records_nothing(fund_year, office):
    with nothing_recorded(), pytest.raises(ServiceError) as exc:
        generate(fund_year, office, fmt="docx")
    assert exc.value.errors == {"fmt": ["报告格式“docx”无效（可选：xlsx 工作簿、pdf 文档）。"]}
    with nothing_recorded(), pytest.raises(ServiceError):
        generate(fund_year, office, start=Q4_END, end=Q4_START)


# ---------------------------------------------------------------- the workbook


def test_the_office_generates_the_workbook(dataset, fund_year, office, leader):
    run = generate(fund_year, office)
    data = bytes(run.content)
    assert run.format == "xlsx" and run.size == len(data) and run.sha256 == hashlib.sha256(data).hexdigest()
    assert (run.start, run.end, run.generated_by) == (Q4_START, Q4_END, office)
    assert run.filename == "2026年度定期调度报告_20261001-20261231.xlsx"
    ev = AuditEvent.objects.get(action="reports.run.generated")
    assert ev.actor == office and ev.role == Role.OFFICE and ev.target_id == str(run.pk)
    assert ev.after["sha256"] == run.sha256 and ev.after["start"] == "2026-10-01"
    assert ev.data["reconciled"] is True and ev.data["figures"]["arranged"] == "9000000.00"

    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == [
        "概况",
        "资金规模（按来源）",
        "框架配置与承诺（按领域）",
        "项目状态（按主管部门）",
        "资金拨付与预算执行",
        "本期拨付明细",
        "逾期与重点关注事项",
        "逾期与重点关注事项清单",
        "一事一议申请与项目",
        "绩效评价等级",
        "项目清单",
    ]
    summary = wb["概况"]
    assert summary["A1"].value == "2026年度市级科技创新发展资金定期调度报告"
    assert len(summary._charts) == 6
    kinds = sorted(type(c).__name__ for c in summary._charts)
    assert kinds == ["BarChart", "BarChart", "BarChart", "BarChart", "PieChart", "PieChart"]
    projects = wb["项目清单"]
    assert projects.freeze_panes == "A3"
    assert [c.value for c in projects[2]][:3] == ["项目编号", "项目名称", "一事一议"]
    rows = {
        r[0].value: r for r in projects.iter_rows(min_row=3) if r[0].value and r[0].value.startswith("KC")
    }
    emergency_row = rows["KC2026-0003"]
    assert emergency_row[2].value == "★一事一议"
    assert emergency_row[7].value == 2000000 and emergency_row[7].number_format == "#,##0.00"
    sources = wb["资金规模（按来源）"]
    assert sources.freeze_panes == "A5"
    assert [c.value for c in sources[4]] == ["资金来源", "来源部门", "级次", "笔数", "金额（元）", "占比"]
    assert sources["E5"].value == 150000000 and sources["F5"].number_format == "0.0%"


def test_a_kept_report_is_downloaded_as_generated(dataset, fund_year, office, auditor, officer):
    run = generate(fund_year, office)
    assert rs.download_run(run, actor=auditor) == bytes(run.content)
    ev = AuditEvent.objects.get(action="reports.run.downloaded")
    assert ev.actor == auditor and ev.role == Role.AUDITOR and ev.data["sha256"] == run.sha256
    with nothing_recorded(), pytest.raises(NotVisible):
        rs.download_run(run, actor=officer)


def test_reports_of_other_roles_are_not_visible(dataset, fund_year, office, applicant):
    generate(fund_year, office)
    from techfund.reports.scopes import visible_runs

    assert visible_runs(office).count() == 1
    assert visible_runs(applicant).count() == 0
    assert visible_runs(factories.user(Role.DEPARTMENT)).count() == 0
    assert ReportRun.objects.count() == 1


# ---------------------------------------------------------------- the PDF


@pytest.mark.filterwarnings("ignore:HarfBuzz-Subset:DeprecationWarning")
def test_the_office_generates_the_pdf(dataset, fund_year, office):
    data = rs.generate_report(fund_year, actor=office, start=Q4_START, end=Q4_END, fmt="pdf", today=TODAY)
    assert data.startswith(b"%PDF-")
    run = ReportRun.objects.get()
    assert run.format == "pdf" and run.sha256 == hashlib.sha256(data).hexdigest()
    assert run.filename.endswith(".pdf")
    objects = pdf_objects(data)
    assert len(re.findall(rb"/Type\s*/Page[^s]", objects)) >= 3
    fonts = set(re.findall(rb"/BaseFont\s*/[A-Z]{6}\+([A-Za-z-]+)", objects))
    assert fonts == {b"Noto-Sans-CJK-SC"}, fonts
