"""The report page: the period form (the current quarter by default, Chinese errors), the preview of
the same sections, the office's buttons to generate the workbook or the PDF, the list of reports with
who generated them; the other readers download; everyone else gets 404."""

import pytest

from techfund.reports import services as rs
from techfund.reports.models import ReportRun
from tests.reports.conftest import Q4_END, Q4_START, nothing_recorded

PERIOD = {"year": "2026", "start": "2026-10-01", "end": "2026-12-31"}
URL = "/reports/?year=2026&start=2026-10-01&end=2026-12-31"


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_default_period_is_the_current_quarter(fund_year, office, as_user):
    start, end = rs.quarter_of(rs.today_or(None))
    page = text(as_user(office).get("/reports/"))
    assert f'value="{start.isoformat()}"' in page and f'value="{end.isoformat()}"' in page


def test_next_years_fund_opened_in_the_autumn_does_not_become_the_default(fund_year, office, as_user):
    """Next year's fund is opened in the autumn to prepare its budget; the page (and the office's
    home-page reminder) still propose this quarter of the fund year under way, with no form error."""
    from techfund.funds import services as funds

    start, end = rs.quarter_of(rs.today_or(None))
    funds.open_fund_year(actor=office, year=start.year + 1, profile=fund_year.profile)
    c = as_user(office)
    page = text(c.get("/reports/"))
    assert f'value="{start.isoformat()}"' in page
    assert "不能早于" not in page and "errorlist" not in page
    home = text(c.get("/"))
    assert f"{start.year + 1}年度 {start}" not in home


def test_preview_and_generate(dataset, fund_year, office, as_user):
    c = as_user(office)
    page = text(c.get(URL))
    for title in (
        "1. 概况",
        "资金规模（按来源）",
        "框架配置与承诺（按领域）",
        "逾期与重点关注事项",
        "7. 一事一议项目",
    ):
        assert title in page
    assert "账实核对全部一致" in page and "★一事一议" in page and "<svg" in page
    assert "生成 Excel 工作簿" in page and "生成 PDF 报告" in page and "data-confirm" in page
    assert "尚未生成报告。" in page
    r = c.post("/reports/generate/", PERIOD | {"fmt": "xlsx"})
    assert r.status_code == 200
    assert r["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in r["Content-Disposition"] and "filename*=utf-8''" in r["Content-Disposition"]
    body = b"".join(r.streaming_content)
    run = ReportRun.objects.get()
    assert body == bytes(run.content) and r["X-Content-SHA256"] == run.sha256
    page = text(c.get(URL))
    assert run.generated_by.display_name in page and run.sha256[:12] in page
    assert f"/reports/runs/{run.pk}/download/" in page


def test_period_errors_are_shown_in_chinese(dataset, office, as_user):
    c = as_user(office)
    page = text(c.get("/reports/?year=2026&start=2026-12-01&end=2026-10-01"))
    assert "截止日期 2026-10-01 早于起始日期 2026-12-01。" in page and "1. 概况" not in page
    assert "生成 Excel 工作簿" not in page
    page = text(c.get("/reports/?year=2026&start=abc&end="))
    assert "请输入有效的日期，如 2026-12-31。" in page
    with nothing_recorded():
        page = text(
            c.post(
                "/reports/generate/",
                {"year": "2026", "start": "2025-01-01", "end": "2026-12-31", "fmt": "xlsx"},
            )
        )
    assert "起始日期不能早于2026-01-01（2026年度资金的起始）。" in page
    with nothing_recorded():
        page = text(c.post("/reports/generate/", PERIOD | {"fmt": "doc"}))
    assert "请选择报告格式。" in page


def test_other_readers_view_and_download(dataset, fund_year, office, leader, auditor, as_user):
    run = rs.generate_run(fund_year, actor=office, start=Q4_START, end=Q4_END)
    for user in (leader, auditor):
        c = as_user(user)
        page = text(c.get(URL))
        assert "1. 概况" in page and "生成 Excel 工作簿" not in page
        with nothing_recorded():
            assert c.post("/reports/generate/", PERIOD | {"fmt": "xlsx"}).status_code == 403
        r = c.get(f"/reports/runs/{run.pk}/download/")
        assert r.status_code == 200 and b"".join(r.streaming_content) == bytes(run.content)


def test_outside_the_readers(
    dataset, fund_year, office, officer, dept_officer, unit_user, applicant, expert, as_user
):
    run = rs.generate_run(fund_year, actor=office, start=Q4_START, end=Q4_END)
    for user in (officer, dept_officer, unit_user, applicant, expert):
        c = as_user(user)
        assert c.get("/reports/").status_code == 404
        assert c.get(URL).status_code == 404
        with nothing_recorded():
            assert c.post("/reports/generate/", PERIOD | {"fmt": "xlsx"}).status_code == 404
            assert c.get(f"/reports/runs/{run.pk}/download/").status_code == 404
