"""The pages: finance arranges budgets in two steps, the project list (filters, 一事一议 badge,
ledger amounts, Excel), the project page with a button per role and the registered panels, the
contract, signature, statutory approval and payment forms (errors beside the fields, nothing saved)."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from techfund.projects import panels, services
from techfund.projects.models import Contract, Payment, Project
from tests.projects.helpers import events, make_emergency, make_final_item, nothing_changed


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_finance_arranges_budgets_in_two_steps(fund_year, final_items, office, leader, finance, as_user):
    equity = make_final_item(
        fund_year, office, leader, support_mode="risk_compensation", title="风险补偿项目"
    )
    a, b = final_items
    c = as_user(finance)
    page = text(c.get("/projects/arrange/"))
    assert "重大科技创新专项" in page and "7,000,000.00" in page and "8,000,000.00" in page
    assert 'class="muted not-arrangeable"' in page and "不按项目安排预算" in page
    assert f'value="{equity.pk}"' not in page and f'value="{a.pk}"' in page
    with nothing_changed():
        page = text(c.post("/projects/arrange/", {"year": 2026, "fiscal_year": 2026}))
    assert "请选择要安排预算的项目。" in page
    with nothing_changed():
        page = text(c.post("/projects/arrange/", {"year": 2026, "items": [a.pk], "fiscal_year": 2030}))
    assert "预算年度" in page and "errorlist" in page
    with nothing_changed():
        page = text(
            c.post(
                "/projects/arrange/",
                {
                    "year": 2026,
                    "items": [a.pk, b.pk],
                    "fiscal_year": 2027,
                    "statutory_approved": "on",
                    "note": "第一批",
                },
            )
        )
    assert "确认安排预算" in page and "data-confirm" in page and 'name="confirm" value="1"' in page
    assert "7,000,000.00" in page and "第一批" in page
    r = c.post(
        "/projects/arrange/",
        {
            "year": 2026,
            "items": [a.pk, b.pk],
            "fiscal_year": 2027,
            "statutory_approved": "on",
            "note": "第一批",
            "confirm": "1",
        },
        follow=True,
    )
    assert "已安排2个项目的预算，合计 7,000,000.00 元" in text(r)
    assert sorted(Project.objects.values_list("fiscal_year", "statutory_approved", "note")) == [
        (2027, True, "第一批"),
        (2027, True, "第一批"),
    ]
    page = text(c.get("/projects/arrange/"))
    assert "风险补偿项目" in page and "海洋装备关键技术" not in page


def test_who_sees_the_arrangement_page(final_items, office, auditor, officer, applicant, as_user):
    page = text(as_user(office).get("/projects/arrange/"))
    assert "海洋装备关键技术" in page and 'type="checkbox"' not in page and "安排预算</h2>" not in page
    with nothing_changed():
        assert as_user(auditor).post("/projects/arrange/", {"items": [final_items[0].pk]}).status_code == 403
    assert as_user(officer).get("/projects/arrange/").status_code == 404
    assert as_user(applicant).get("/projects/arrange/").status_code == 404


def test_the_project_list_filters_flags_and_exports(
    paid, running, project_b, fund_year, office, finance, dept_officer, as_user
):
    emergency = make_emergency(fund_year, office, title="应急攻关项目")
    c = as_user(finance)
    page = text(c.get("/projects/"))
    for p in (running, project_b, emergency):
        assert p.number in page
    assert page.count('class="badge badge-emergency') == 1
    assert "2,400,000.00" in page and "1,600,000.00" in page  # paid and unpaid of the paid project
    assert "待安排预算" in page and "导出 Excel" in page
    page = text(c.get("/projects/?emergency=1"))
    assert emergency.number in page and running.number not in page
    page = text(c.get(f"/projects/?q={project_b.number}"))
    assert project_b.number in page and running.number not in page
    page = text(c.get("/projects/?q=海洋&state=in_progress&year=2026&department=science_technology"))
    assert running.number in page and project_b.number not in page
    page = text(c.get("/projects/?focus_area=key_rd"))
    assert emergency.number in page and running.number not in page
    r = c.get("/projects/?year=abc")
    assert r.status_code == 400 and "请输入四位年份" in r.content.decode()

    r = c.get("/projects/export.xlsx?emergency=")
    assert r.status_code == 200 and r["X-Rows"] == "3"
    ws = load_workbook(io.BytesIO(r.content))["项目清单"]
    rows = list(ws.values)
    assert rows[0][:3] == ("项目编号", "项目名称", "一事一议")
    by_number = {row[0]: row for row in rows[1:]}
    assert by_number[emergency.number][2] == "是" and by_number[running.number][2] == "否"
    assert by_number[running.number][12:15] == (4000000, 2400000, 1600000)
    (ev,) = events("projects.exported")
    assert ev.data["rows"] == 3 and ev.role == "finance"
    r = c.get("/projects/export.xlsx?emergency=1")
    assert r["X-Rows"] == "1"
    # a department officer lists and exports their department's projects only
    page = text(as_user(dept_officer).get("/projects/"))
    assert running.number in page and project_b.number not in page
    assert as_user(dept_officer).get("/projects/export.xlsx")["X-Rows"] == "2"  # A and the emergency project


def test_buttons_follow_the_role(
    project, contract, office, finance, auditor, unit_user, dept_officer, as_user
):
    url = f"/projects/{project.pk}/"
    page = text(as_user(unit_user).get(url))
    assert "以乙方（承担单位）身份签署任务书" in page and "以甲方" not in page
    page = text(as_user(dept_officer).get(url))
    assert "以甲方（主管部门）身份签署任务书" in page and "以乙方" not in page
    for user in (finance, auditor):
        page = text(as_user(user).get(url))
        assert "签署任务书</a>" not in page and "生成任务书</a>" not in page
        assert "确认预算已按法定程序批准</a>" not in page  # approved at arrangement
    assert "下载PDF" in page and contract.number in page


def test_generate_button_and_form(project, office, finance, dept_officer, as_user):
    url = f"/projects/{project.pk}/"
    assert "生成任务书</a>" in text(as_user(dept_officer).get(url))
    assert "生成任务书</a>" not in text(as_user(finance).get(url))
    c = as_user(office)
    assert "生成任务书</a>" in text(c.get(url))
    page = text(c.get(f"/projects/{project.pk}/contract/new/"))
    assert "一、项目名称：海洋装备关键技术" in page and 'value="发表高水平论文"' in page
    assert "任务书签订后30日内拨付" in page and "2,400,000.00" in page
    form = {
        "start_date": "2026-11-01",
        "end_date": "2026-10-01",
        "terms": "条款",
        "targets-TOTAL_FORMS": "1",
        "targets-INITIAL_FORMS": "0",
        "targets-0-kind": "output",
        "targets-0-name": "论文",
        "targets-0-indicator_type": "higher",
        "targets-0-target_value": "3",
        "milestones-TOTAL_FORMS": "0",
        "milestones-INITIAL_FORMS": "0",
    }
    with nothing_changed():
        page = text(c.post(f"/projects/{project.pk}/contract/new/", form))
    assert "完成日期必须晚于起始日期。" in page
    with nothing_changed():
        page = text(
            c.post(
                f"/projects/{project.pk}/contract/new/",
                {**form, "end_date": "2028-10-31", "targets-0-target_value": "x"},
            )
        )
    assert "第1项绩效目标的目标值“x”不是有效的数字。" in page
    r = c.post(f"/projects/{project.pk}/contract/new/", {**form, "end_date": "2028-10-31"})
    assert r.status_code == 302 and r["Location"] == f"/projects/{project.pk}/contract/"
    contract = Contract.objects.get()
    assert [t.name for t in contract.targets.all()] == ["论文"] and contract.terms == "条款"
    assert as_user(finance).get(f"/projects/{project.pk}/contract/new/").status_code == 403


def test_signing_through_the_pages(contract, project, unit_user, dept_officer, auditor, as_user):
    c = as_user(unit_user)
    url = f"/projects/{project.pk}/contract/sign/"
    page = text(c.get(url))
    assert "承担单位（乙方）" in page and "签署后不可撤销" in page and "data-confirm" in page
    with nothing_changed():
        page = text(c.post(url, {"signatory": "王海涛"}))
    assert "请确认已阅读任务书并同意签署。" in page
    with nothing_changed():
        page = text(c.post(url, {"signatory": "", "confirm": "on"}))
    assert "请填写签署人姓名。" in page
    r = c.post(url, {"signatory": "王海涛", "confirm": "on"}, follow=True)
    assert "已以承担单位（乙方）身份签署任务书，待对方签署。" in text(r)
    r = c.get(url, follow=True)
    assert "该任务书当前无需您签署。" in text(r)
    r = as_user(dept_officer).post(url, {"signatory": "李明", "confirm": "on"}, follow=True)
    page = text(r)
    assert "任务书已由双方签订，项目开始执行。" in page and "王海涛" in page and "李明" in page
    project.refresh_from_db()
    assert project.state == "in_progress"
    assert as_user(auditor).post(url, {"signatory": "x", "confirm": "on"}).status_code == 403


def test_statutory_approval_through_the_page(final_items, finance, office, as_user):
    p = services.arrange_item(final_items[1], actor=finance)
    url = f"/projects/{p.pk}/"
    assert "确认预算已按法定程序批准</a>" in text(as_user(finance).get(url))
    assert "确认预算已按法定程序批准</a>" not in text(as_user(office).get(url))
    assert as_user(office).post(f"/projects/{p.pk}/statutory-approval/").status_code == 403
    c = as_user(finance)
    assert "data-confirm" in text(c.get(f"/projects/{p.pk}/statutory-approval/"))
    r = c.post(f"/projects/{p.pk}/statutory-approval/", {"reason": "人大批准"}, follow=True)
    assert "已确认项目" in text(r)
    p.refresh_from_db()
    assert p.statutory_approved
    with nothing_changed():
        page = text(c.post(f"/projects/{p.pk}/statutory-approval/", {"reason": ""}))
    assert "该项目预算已确认按法定程序批准。" in page


def test_paying_through_the_pages(running, contract, finance, office, as_user):
    first = contract.tranches.get(seq=1)
    page = text(as_user(finance).get(f"/projects/{running.pk}/"))
    assert f"/projects/tranches/{first.pk}/pay/" in page
    assert f"/projects/tranches/{first.pk}/pay/" not in text(as_user(office).get(f"/projects/{running.pk}/"))
    c = as_user(finance)
    url = f"/projects/tranches/{first.pk}/pay/"
    page = text(c.get(url))
    assert (
        'value="2400000.00"' in page and "data-confirm" in page and timezone.localdate().isoformat() in page
    )
    with nothing_changed():
        page = text(
            c.post(
                url, {"amount": "2400000.01", "paid_on": dt.date.today().isoformat(), "treasury_ref": "GK1"}
            )
        )
    assert "本次最多可拨 2,400,000.00 元" in page
    with nothing_changed():
        page = text(c.post(url, {"amount": "", "paid_on": "", "treasury_ref": ""}))
    assert "请填写国库支付凭证号。" in page
    r = c.post(url, {"amount": "1000000", "paid_on": "", "treasury_ref": "GK1"}, follow=True)
    assert "已拨付第1期 1,000,000.00 元（国库支付凭证号 GK1）。" in text(r)
    assert Payment.objects.get().amount == Decimal("1000000.00")
    page = text(c.get(url))
    assert 'value="1400000.00"' in page
    assert as_user(office).post(url, {"treasury_ref": "GK2"}).status_code == 403


def test_a_suspended_project_shows_why_it_cannot_be_paid(running, finance, as_user):
    Project.objects.filter(pk=running.pk).update(state="suspended")  # TEST SETUP ONLY: sanctions suspends
    page = text(as_user(finance).get(f"/projects/{running.pk}/"))
    assert "项目已暂停拨款，解除暂停前不能拨付。" in page and "/pay/" not in page


def test_registered_panels_render_after_the_project_sections(project, office, as_user, tmp_path, settings):
    (tmp_path / "testpanels").mkdir()
    (tmp_path / "testpanels" / "_a.html").write_text(
        "<section>PANEL-A {{ project.number }} {{ request.user.username }}</section>", encoding="utf-8"
    )
    (tmp_path / "testpanels" / "_b.html").write_text("<section>PANEL-B</section>", encoding="utf-8")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    panels.register_panel("testpanels/_b.html", order=60)
    panels.register_panel("testpanels/_a.html", order=30)
    try:
        page = text(as_user(office).get(f"/projects/{project.pk}/"))
    finally:
        panels._PANELS.pop("testpanels/_a.html")
        panels._PANELS.pop("testpanels/_b.html")
    assert f"PANEL-A {project.number} {office.username}" in page
    assert (
        page.index("拨付记录（直通车）")
        < page.index("PANEL-A")
        < page.index("PANEL-B")
        < page.index("操作记录")
    )
