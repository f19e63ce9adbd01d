"""The office's reminder to report the current quarter, and the report page's links."""

from techfund.core.home import links_for, pending_for
from techfund.reports import services as rs


def reminders(user):
    return [p for p in pending_for(user)["office"] if p.kind == "本季度定期调度报告待生成"]


def test_office_is_reminded_until_the_quarter_is_reported(fund_year, office):
    start, end = rs.quarter_of(rs.today_or(None))
    (item,) = reminders(office)
    assert item.url == f"/reports/?year=2026&start={start}&end={end}"
    run_today = rs.today_or(None)
    rs.generate_run(
        fund_year, actor=office, start=start, end=min(end, rs.today_or(None)) if start > run_today else end
    )
    assert not reminders(office)


def test_links(office, leader, finance, auditor, officer, applicant, expert):
    for user in (office, leader, finance, auditor):
        assert "reports:index" in [name for name, _ in links_for(user)]
    for user in (officer, applicant, expert):
        assert "reports:index" not in [name for name, _ in links_for(user)]
