"""The web pages: the office proposes and drafts, finance co-signs, confirms and records receipts; forms
show the services' refusals beside their fields and save nothing; buttons appear only for the roles
that may use them; the project page panel; the overview and its Excel export."""

import io

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from openpyxl import load_workbook

from techfund.projects.panels import panels
from techfund.sanctions import services
from techfund.sanctions.models import RecoveryOrder, SanctionOrder
from tests.sanctions.conftest import DEADLINE, nothing_saved


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_office_proposes_and_finance_concurs(paid, project, office, finance, as_user):
    c = as_user(office)
    url = f"/sanctions/projects/{project.pk}/propose/"
    page = text(c.get(url + "?kind=suspend"))
    assert "提交财政部门会签" in page and "data-confirm" in page
    assert 'value="suspend"' in page and 'value="terminate"' in page and 'value="lift"' not in page
    with nothing_saved():
        page = text(c.post(url, {"kind": "suspend", "reason": "", "basis": "会议纪要"}))
    assert "请填写事由。" in page
    r = c.post(url, {"kind": "suspend", "reason": "进度严重滞后", "basis": "会议纪要〔2026〕3号"})
    order = SanctionOrder.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/sanctions/orders/{order.pk}/"
    page = text(c.get(r["Location"]))
    assert "进度严重滞后" in page and "提交会签意见" not in page  # the office does not co-sign
    page = text(c.get(url))
    assert "待财政部门会签的建议" in page  # a second proposal is not offered

    c = as_user(finance)
    page = text(c.get(f"/sanctions/orders/{order.pk}/"))
    assert "提交会签意见" in page and "确认提交会签意见？" in page
    with nothing_saved():
        page = text(c.post(f"/sanctions/orders/{order.pk}/decide/", {"decision": "reject", "opinion": ""}))
    assert "请填写财政部门意见。" in page
    r = c.post(
        f"/sanctions/orders/{order.pk}/decide/", {"decision": "concur", "opinion": "同意。"}, follow=True
    )
    page = text(r)
    assert "已会签同意，暂停拨款已生效。" in page and "财政部门会签同意，处置生效" in page  # message, trail
    project.refresh_from_db()
    assert project.state == "suspended"


def test_recovery_drafted_confirmed_and_received(paid, project, office, finance, as_user):
    c = as_user(office)
    url = f"/sanctions/projects/{project.pk}/recover/"
    page = text(c.get(url))
    assert "2,400,000.00" in page and "提交财政部门确认" in page
    with nothing_saved():
        page = text(
            c.post(
                url, {"amount": "3000000", "deadline": "2026-12-31", "reason": "违规", "basis": "审计报告"}
            )
        )
    assert "追回金额 3,000,000.00 元超过可追回金额 2,400,000.00 元" in page
    with nothing_saved():
        page = text(c.post(url, {"amount": "1", "deadline": "31/12/2026", "reason": "违规", "basis": "x"}))
    assert "请输入有效的日期，如 2026-12-31。" in page
    r = c.post(
        url, {"amount": "1000000", "deadline": DEADLINE.isoformat(), "reason": "违规", "basis": "审计报告"}
    )
    rec = RecoveryOrder.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/sanctions/recoveries/{rec.pk}/"
    assert "提交确认意见" not in text(c.get(r["Location"]))

    c = as_user(finance)
    page = text(c.get(f"/sanctions/recoveries/{rec.pk}/"))
    assert "提交确认意见" in page and "登记缴回</button>" not in page
    c.post(f"/sanctions/recoveries/{rec.pk}/decide/", {"decision": "concur"})
    page = text(c.get(f"/sanctions/recoveries/{rec.pk}/"))
    assert "登记缴回</button>" in page and "资金将从已拨付退回当年资金池" in page
    receipts = f"/sanctions/recoveries/{rec.pk}/receipts/"
    with nothing_saved():
        page = text(c.post(receipts, {"amount": "400000", "treasury_ref": paid.treasury_ref}))
    assert "国库凭证号“GK2026-0001”已登记过，不能重复使用。" in page
    r = c.post(receipts, {"amount": "400000", "treasury_ref": "JK-1"}, follow=True)
    assert "已登记缴回 400,000.00 元，资金已退回资金池。" in text(r)
    r = c.post(receipts, {"amount": "600000", "treasury_ref": "JK-2"}, follow=True)
    page = text(r)
    assert "追回通知已全额缴回" in page and "JK-1" in page and "JK-2" in page
    assert "登记追回资金缴回" in page  # the receipts are on the order's trail
    rec.refresh_from_db()
    assert rec.state == "settled"


def test_a_terminated_project_page_suggests_recovery(paid, project, office, finance, as_user):
    order = services.propose_sanction(project, actor=office, kind="terminate", reason="违规", basis="纪要")
    services.decide_sanction(order, actor=finance, decision="concur")
    page = text(as_user(office).get(f"/sanctions/orders/{order.pk}/"))
    assert "项目已终止，已拨付未追回 2,400,000.00 元。按本市政策，终止项目应退回结余资金" in page
    assert f"/sanctions/projects/{project.pk}/recover/" in page and "1,600,000.00" in page
    page = text(as_user(finance).get(f"/sanctions/orders/{order.pk}/"))
    assert "项目已终止" in page and f"/sanctions/projects/{project.pk}/recover/" not in page
    assert not RecoveryOrder.objects.exists()  # a suggestion, nothing created


def panel(project, user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string("sanctions/_project_panel.html", {"project": project, "request": request})


def test_the_project_panel_shows_each_role_its_buttons(
    paid, project, office, finance, auditor, unit_user, other_unit_user, dept_officer
):
    assert "sanctions/_project_panel.html" in panels()  # registered in ready(), shown on the project page
    html = panel(project, office)
    assert "提出暂停拨款</a>" in html and "提出终止项目</a>" in html and "拟定追回通知</a>" in html
    assert "提出解除暂停</a>" not in html
    for user in (finance, auditor, unit_user, dept_officer):
        html = panel(project, user)
        assert "暂停拨款、终止与追回" in html
        assert "提出暂停拨款</a>" not in html and "拟定追回通知</a>" not in html
    assert panel(project, other_unit_user).strip() == ""
    order = services.propose_sanction(project, actor=office, kind="suspend", reason="x", basis="y")
    assert "会签暂停拨款建议</a>" in panel(project, finance)
    html = panel(project, office)
    assert "提出暂停拨款</a>" not in html and "待财政部门会签" in html and order.number in html
    services.decide_sanction(order, actor=finance, decision="concur")
    project.refresh_from_db()
    html = panel(project, office)
    assert "提出解除暂停</a>" in html and "提出终止项目</a>" in html and "提出暂停拨款</a>" not in html
    assert order.number in panel(project, unit_user)  # the unit reads its project's orders


def test_roles_and_scope_on_the_pages(
    paid, project, office, finance, unit_user, other_unit_user, expert, as_user
):
    order = services.propose_sanction(project, actor=office, kind="suspend", reason="x", basis="y")
    assert as_user(finance).get(f"/sanctions/projects/{project.pk}/propose/").status_code == 403
    assert as_user(unit_user).get(f"/sanctions/projects/{project.pk}/recover/").status_code == 403
    assert as_user(other_unit_user).get(f"/sanctions/projects/{project.pk}/propose/").status_code == 404
    with nothing_saved():
        r = as_user(office).post(f"/sanctions/orders/{order.pk}/decide/", {"decision": "concur"})
    assert r.status_code == 403
    assert as_user(other_unit_user).get(f"/sanctions/orders/{order.pk}/").status_code == 404
    assert as_user(expert).get("/sanctions/").status_code == 404
    page = text(as_user(unit_user).get("/sanctions/orders/"))
    assert order.number in page
    assert order.number not in text(as_user(other_unit_user).get("/sanctions/orders/"))


def test_overview_and_export(paid, project, project_b, office, finance, auditor, unit_user, as_user):
    services.propose_sanction(project, actor=office, kind="suspend", reason="x", basis="纪要一")
    t = services.propose_sanction(project_b, actor=office, kind="terminate", reason="x", basis="纪要二")
    services.decide_sanction(t, actor=finance, decision="concur")
    rec = services.issue_recovery(
        project, actor=office, amount="1000000", reason="x", basis="审计", deadline=DEADLINE
    )
    page = text(as_user(finance).get("/sanctions/"))
    assert "待财政部门会签、确认" in page and rec.number in page and "暂停拨款" in page
    assert "3,000,000.00" in page  # project B released in full
    assert "导出Excel" in page
    r = as_user(auditor).get("/sanctions/export/")
    assert r.status_code == 200 and r["X-Rows"] == "3"
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["暂停拨款与终止项目", "追回通知", "缴回记录", "导出说明"]
    assert wb["追回通知"]["A2"].value == rec.number
    assert as_user(unit_user).get("/sanctions/export/").status_code == 403
    assert "导出Excel" not in text(as_user(unit_user).get("/sanctions/"))
