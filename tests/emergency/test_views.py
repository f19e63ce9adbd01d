"""The 一事一议 pages: the office's form with its target rows (errors beside the fields, nothing
saved), the leading group's decision with confirmation, scope (404) and roles (403), and the
project-page panel."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from techfund.core.enums import Role
from techfund.emergency.enums import RequestState
from techfund.emergency.models import EmergencyRequest
from tests import factories
from tests.decisions.conftest import area
from tests.emergency.conftest import M, nothing_saved


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def form_data(unit, ocean, **over):
    d = {
        "year": "2026",
        "title": "海上溢油应急处置关键技术攻关",
        "organisation": unit.uscc,
        "department": str(ocean.pk),
        "focus_area": "major_projects",
        "amount": "2,000,000.00".replace(",", ""),
        "justification": "近海溢油事故频发。",
        "basis": "市政府专题会议纪要〔2026〕18号",
        "content": "研制溢油快速检测与围控设备。",
        "start_date": "2026-12-01",
        "end_date": "2027-11-30",
        "targets-TOTAL_FORMS": "3",
        "targets-INITIAL_FORMS": "0",
        "targets-0-kind": "output",
        "targets-0-name": "完成应急检测设备研制",
        "targets-0-indicator_type": "higher",
        "targets-0-unit": "台",
        "targets-0-target_value": "5",
        "milestones-TOTAL_FORMS": "2",
        "milestones-INITIAL_FORMS": "0",
        "milestones-0-due_date": "2027-06-30",
        "milestones-0-description": "完成样机",
    }
    d.update(over)
    return d


def test_office_submits_through_the_form(fund_year, unit, ocean, office, as_user):
    c = as_user(office)
    assert "提出一事一议申请" in text(c.get("/emergency/"))
    page = text(c.get("/emergency/new/"))
    assert "各领域剩余可安排额度" in page and "10,000,000.00" in page and "data-confirm" in page
    with nothing_saved():
        page = text(
            c.post(
                "/emergency/new/",
                form_data(unit, ocean, **{"targets-0-target_value": "", "justification": ""}),
            )
        )
    assert "一事一议申请有2处需要修改。" in page
    assert "请填写必要性和紧迫性。" in page and "定量指标请填写目标值。" in page
    with nothing_saved():
        page = text(
            c.post(
                "/emergency/new/",
                form_data(
                    unit,
                    ocean,
                    **{
                        "targets-0-name": "",
                        "targets-0-kind": "",
                        "targets-0-indicator_type": "",
                        "targets-0-unit": "",
                        "targets-0-target_value": "",
                    },
                ),
            )
        )
    assert "请至少填写一项绩效目标。" in page
    with nothing_saved():
        page = text(c.post("/emergency/new/", form_data(unit, ocean, amount="12000000")))
    assert "剩余可安排 10,000,000.00 元，不足以安排本申请 12,000,000.00 元。" in page
    r = c.post("/emergency/new/", form_data(unit, ocean))
    req = EmergencyRequest.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/emergency/{req.pk}/"
    assert [t.name for t in req.targets.all()] == ["完成应急检测设备研制"]
    page = text(c.get(f"/emergency/{req.pk}/"))
    assert "提出一事一议申请" in page and "完成应急检测设备研制" in page  # the trail and the targets
    assert "提交审定意见" not in page  # the office does not decide
    assert c.post(f"/emergency/{req.pk}/decide/", {"decision": "approve", "basis": "x"}).status_code == 403


def test_leading_group_decides_on_the_request_page(req, fund_year, leader, as_user):
    c = as_user(leader)
    page = text(c.get(f"/emergency/{req.pk}/"))
    assert "提交审定意见" in page and "data-confirm" in page and "领域配置余额 10,000,000.00 元" in page
    with nothing_saved():
        page = text(c.post(f"/emergency/{req.pk}/decide/", {"decision": "approve", "basis": ""}))
    assert "请填写审定依据。" in page
    with nothing_saved():
        page = text(c.post(f"/emergency/{req.pk}/decide/", {"basis": "同意"}))
    assert "请选择审定意见。" in page
    r = c.post(f"/emergency/{req.pk}/decide/", {"decision": "approve", "basis": "领导小组同意"}, follow=True)
    page = text(r)
    assert "已审定同意：项目 KC2026-0001 已立项，任务书已生成，待双方签订。" in page
    assert "KC2026-0001" in page and "领导小组审定同意一事一议项目" in page
    req.refresh_from_db()
    assert f'href="/projects/{req.project.pk}/"' in page
    assert "提交审定意见</button>" not in page
    assert area(fund_year) == 8 * M


def test_the_decision_page(req, leader, as_user):
    c = as_user(leader)
    page = text(c.get(f"/emergency/{req.pk}/decide/"))
    assert "领导小组审定" in page and "data-confirm" in page
    c.post(f"/emergency/{req.pk}/decide/", {"decision": "reject", "basis": "不同意"})
    r = c.get(f"/emergency/{req.pk}/decide/", follow=True)
    assert "该申请已审定（领导小组不同意）。" in text(r)
    with nothing_saved():
        page = text(c.post(f"/emergency/{req.pk}/decide/", {"decision": "approve", "basis": "同意"}))
    assert "一事一议申请 YS2026-001 已审定（领导小组不同意），不能重复审定。" in page


def test_rejection_through_the_page(req, leader, as_user):
    r = as_user(leader).post(
        f"/emergency/{req.pk}/decide/", {"decision": "reject", "basis": "按常规程序"}, follow=True
    )
    assert "已审定不同意一事一议申请 YS2026-001。" in text(r)
    req.refresh_from_db()
    assert req.state == RequestState.REJECTED


def test_list_and_filters(req, approved_req, leader, as_user):
    page = text(as_user(leader).get("/emergency/?state=approved"))
    assert "KC2026-0001" in page and "一事一议" in page


def test_scope_of_the_pages(req, ocean_officer, officer, applicant, expert, as_user):
    page = text(as_user(ocean_officer).get(f"/emergency/{req.pk}/"))
    assert req.title in page and "提交审定意见" not in page
    assert as_user(ocean_officer).get("/emergency/new/").status_code == 403
    assert as_user(officer).get(f"/emergency/{req.pk}/").status_code == 404
    assert req.title not in text(as_user(officer).get("/emergency/"))
    for user in (applicant, expert):
        c = as_user(user)
        assert c.get("/emergency/").status_code == 404
        assert c.get(f"/emergency/{req.pk}/").status_code == 404
        assert (
            c.post(f"/emergency/{req.pk}/decide/", {"decision": "approve", "basis": "x"}).status_code == 404
        )


def _panel(project, user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string("emergency/_project_panel.html", {"project": project, "request": request})


def test_project_panel(approved_req, leader, project):
    p = approved_req.project
    html = _panel(p, leader)
    assert (
        "YS2026-001" in html and approved_req.justification in html and "领导小组2026年第5次会议同意" in html
    )
    unit_user = factories.user(Role.APPLICANT, organisation=p.organisation)
    html = _panel(p, unit_user)
    assert "本项目经领导小组按一事一议程序审定，直接立项。" in html and "YS2026-001" not in html
    assert _panel(project, leader).strip() == ""  # an ordinary project has no such panel


def test_the_project_page_shows_the_panel(approved_req, leader, as_user):
    page = text(as_user(leader).get(f"/projects/{approved_req.project.pk}/"))
    assert "YS2026-001" in page and approved_req.justification in page


def test_panel_is_registered():
    from techfund.projects.panels import panels

    assert "emergency/_project_panel.html" in panels()
