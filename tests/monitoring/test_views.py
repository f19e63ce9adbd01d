"""The pages: the unit reports, the department reviews (with a rectification in the same step), the
unit answers, the department verifies, escalates, the office handles; forms show the services'
refusals and save nothing; each role sees the buttons it may use."""

import datetime as dt
import io

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from openpyxl import load_workbook

from techfund.core.models import AuditEvent
from techfund.monitoring import services as monitoring
from techfund.monitoring.models import Escalation, ProgressReport, Rectification
from tests.monitoring.conftest import IN_P1, LATE_P1, nothing_saved, submit


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_unit_reports_and_the_department_reviews(paid, running, unit_user, dept_officer, as_user, clock):
    clock(LATE_P1)
    c = as_user(unit_user)
    page = text(c.get("/monitoring/"))
    assert "本单位项目：可报送的进展报告" in page and "逾期未报" in page and "导出逾期清单" not in page
    url = f"/monitoring/projects/{running.pk}/report/"
    page = text(c.get(url + "?period=1"))
    assert "截至目前已拨付财政资金 2,400,000.00 元。" in page and "第1期（2026-10-20 至 2027-04-19" in page
    assert "【逾期】" in page and "第2期（2027-04-20" in page and "第3期" not in page  # period 2 is under way
    with nothing_saved():
        page = text(
            c.post(url, {"period": "1", "progress": "", "milestones": "按计划", "funds_spent": "3000000"})
        )
    assert "进展报告有2处需要修改。" in page and "请填写项目进展情况。" in page
    assert "累计使用财政资金 3,000,000.00 元超过截至目前已拨付的 2,400,000.00 元。" in page
    r = c.post(
        url, {"period": "1", "progress": "样机加工中", "milestones": "按计划", "funds_spent": "1000000"}
    )
    report = ProgressReport.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/monitoring/reports/{report.pk}/"
    page = text(c.get(r["Location"]))
    assert (
        "逾期报送" in page and "报送项目进展报告" in page and "审核</a>" not in page
    )  # the trail, no review button
    assert c.get(f"/monitoring/reports/{report.pk}/review/").status_code == 403

    d = as_user(dept_officer)
    page = text(d.get(f"/monitoring/reports/{report.pk}/"))
    assert "审核</a>" in page and "下达整改通知" in page and "向办公室报告重大问题" in page
    review = f"/monitoring/reports/{report.pk}/review/"
    assert "data-confirm" in text(d.get(review))
    with nothing_saved():
        page = text(d.post(review, {"decision": "return", "opinion": ""}))
    assert "退回进展报告须写明审核意见（需要补充或修改的内容）。" in page
    with nothing_saved():
        page = text(
            d.post(
                review,
                {
                    "decision": "accept",
                    "rectify": "on",
                    "rect_issue": "支出凭证不全",
                    "rect_requirement": "补齐凭证",
                    "rect_deadline": "2027-05-10",
                },
            )
        )
    assert (
        "整改期限（2027-05-10）必须晚于今天（2027-05-10）。" in page
        and 'id="id_rect_deadline_errors"' in page
    )
    r = d.post(
        review,
        {
            "decision": "accept",
            "opinion": "同意",
            "rectify": "on",
            "rect_issue": "支出凭证不全",
            "rect_requirement": "补齐凭证",
        },
    )
    assert r.status_code == 302
    report.refresh_from_db()
    rect = Rectification.objects.get()
    assert (
        report.state == "accepted"
        and rect.report == report
        and rect.deadline == LATE_P1 + dt.timedelta(days=30)
    )
    r = d.get(review, follow=True)  # reviewed already: back to the report with a message
    assert "已审核过，不能再次审核" in text(r)


def test_rectification_pages(running, unit_user, dept_officer, as_user, clock):
    clock(IN_P1)
    d = as_user(dept_officer)
    url = f"/monitoring/projects/{running.pk}/rectify/"
    assert "留空为自今天起30天；最长90天。" in text(d.get(url))
    with nothing_saved():
        page = text(d.post(url, {"issue": "", "requirement": "x", "deadline": "2030-01-01"}))
    assert (
        "请填写存在的问题。" in page
        and "整改期限（2030-01-01）不能晚于2027-05-30（自今天起最长90天）。" in page
    )
    r = d.post(url, {"issue": "资金使用进度滞后", "requirement": "报送资金使用计划", "deadline": ""})
    rect = Rectification.objects.get()
    assert r["Location"] == f"/monitoring/rectifications/{rect.pk}/"
    page = text(d.get(r["Location"]))
    assert "报送整改情况</a>" not in page and "核验整改</a>" not in page and "2027-03-31" in page

    u = as_user(unit_user)
    page = text(u.get(f"/monitoring/rectifications/{rect.pk}/"))
    assert "报送整改情况</a>" in page and "向办公室报告重大问题" not in page
    respond = f"/monitoring/rectifications/{rect.pk}/respond/"
    with nothing_saved():
        assert "请填写整改情况。" in text(u.post(respond, {"response": " "}))
    assert u.post(respond, {"response": "已报送资金使用计划"}).status_code == 302
    assert u.get(f"/monitoring/rectifications/{rect.pk}/verify/").status_code == 403

    d = as_user(dept_officer)
    verify = f"/monitoring/rectifications/{rect.pk}/verify/"
    with nothing_saved():
        assert "整改不到位须写明核验意见（还需整改的内容）。" in text(d.post(verify, {"decision": "reject"}))
    r = d.post(verify, {"decision": "reject", "opinion": "计划不完整", "deadline": "2027-04-15"}, follow=True)
    assert "已退回重新整改，新的整改期限 2027-04-15。" in text(r)
    rect.refresh_from_db()
    assert rect.state == "issued" and rect.round == 2
    monitoring.respond_rectification(rect, actor=unit_user, response="已补充", today=IN_P1)
    r = d.post(verify, {"decision": "close", "opinion": "到位"}, follow=True)
    assert "整改已核验销号。" in text(r)
    assert text(d.get("/monitoring/rectifications/?state=closed")).count(rect.number) == 1
    assert rect.number not in text(d.get("/monitoring/rectifications/?state=issued"))


def test_escalation_pages(running, unit_user, dept_officer, office, as_user, clock):
    clock(IN_P1)
    d = as_user(dept_officer)
    url = f"/monitoring/projects/{running.pk}/escalate/"
    with nothing_saved():
        page = text(d.post(url, {"summary": "", "suggested_action": ""}))
    assert "请填写问题摘要。" in page and "请选择处理方式。" in page
    r = d.post(url, {"summary": "核心团队解散", "suggested_action": "terminate"})
    esc = Escalation.objects.get()
    assert r["Location"] == f"/monitoring/escalations/{esc.pk}/"
    assert "处理</a>" not in text(d.get(r["Location"]))
    assert d.get(f"/monitoring/escalations/{esc.pk}/handle/").status_code == 403
    assert as_user(unit_user).get(f"/monitoring/escalations/{esc.pk}/").status_code == 404
    o = as_user(office)
    page = text(o.get("/monitoring/"))
    assert "待处理的重大问题" in page and "核心团队解散" in page
    handle = f"/monitoring/escalations/{esc.pk}/handle/"
    page = text(o.get(handle))
    assert 'value="terminate" selected' in page and "data-confirm" in page
    with nothing_saved():
        assert "请填写办公室处理意见。" in text(o.post(handle, {"action": "terminate", "decision": ""}))
    r = o.post(handle, {"action": "suspend", "decision": "先暂停拨款，限期整改。"}, follow=True)
    assert "已记录办公室处理意见。" in text(r) and "办公室处理重大问题" in text(r)
    esc.refresh_from_db()
    assert esc.state == "handled" and esc.decided_action == "suspend"
    assert "办公室已处理：暂停拨款" in text(o.get("/monitoring/escalations/?state=handled"))
    assert "核心团队解散" not in text(o.get("/monitoring/escalations/?state=open"))


def test_overview_flags_overdue_in_red_and_exports_them(
    paid, running, running_b, unit_user, dept_officer, office, as_user, clock
):
    submit(running, unit_user, today=IN_P1)
    rect = monitoring.issue_rectification(
        running, actor=dept_officer, issue="凭证不全", requirement="补齐", today=IN_P1
    )
    clock(LATE_P1)
    page = text(as_user(office).get("/monitoring/"))
    assert page.count('class="overdue"') == 2  # B's period 1, A's rectification (deadline 2027-03-31)
    assert "逾期未整改" in page and running_b.number in page and "导出逾期清单（Excel）" in page
    r = as_user(office).get("/monitoring/overdue.xlsx")
    assert r.status_code == 200 and r["X-Rows"] == "2"
    wb = load_workbook(io.BytesIO(r.content))
    rows = list(wb["逾期未报进展报告"].iter_rows(values_only=True))
    assert rows[1][0] == running_b.number and rows[1][4] == 1 and rows[1][8] == 6
    assert list(wb["逾期未整改"].iter_rows(values_only=True))[1][0] == rect.number
    assert AuditEvent.objects.filter(action="monitoring.overdue.exported").get().data["reports"] == 1
    # the department sees its own projects only
    page = text(as_user(dept_officer).get("/monitoring/"))
    assert running_b.number not in page and rect.number in page
    assert as_user(unit_user).get("/monitoring/overdue.xlsx").status_code == 403


def test_the_project_panel_shows_the_buttons_of_each_role(
    paid, running, unit_user, dept_officer, auditor, office, clock
):
    clock(IN_P1)
    report = submit(running, unit_user, period=1, today=IN_P1)
    rect = monitoring.issue_rectification(
        running, actor=dept_officer, issue="凭证不全", requirement="补齐", today=IN_P1
    )
    monitoring.escalate(
        running, actor=dept_officer, summary="团队变动", suggested_action="suspend", today=IN_P1
    )

    def panel(user):
        request = RequestFactory().get("/")
        request.user = user
        return render_to_string("monitoring/_project_panel.html", {"project": running, "request": request})

    unit = panel(unit_user)
    assert (
        "进展报告计划" in unit
        and "已报送，待审核" in unit
        and f"/monitoring/rectifications/{rect.pk}/respond/" in unit
    )
    assert "下达整改通知" not in unit and "重大问题报告" not in unit  # escalations are not shown to the unit
    dept = panel(dept_officer)
    assert (
        f"/monitoring/reports/{report.pk}/review/" in dept
        and "下达整改通知" in dept
        and "向办公室报告重大问题" in dept
    )
    assert "/respond/" not in dept and "/handle/" not in dept and "团队变动" in dept
    assert "/handle/" in panel(office) and "向办公室报告重大问题" not in panel(office)
    audit = panel(auditor)
    assert (
        "团队变动" in audit and "/review/" not in audit and "下达整改通知" not in audit and "btn" not in audit
    )
    page = panel(__import__("tests.factories", fromlist=["user"]).user("expert"))
    assert page.strip() == ""
