"""The library page (filters, highlight, sorting, pagination, count), the Excel export and the record
page with its timeline."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from techfund.applications.enums import ApplicationState
from techfund.core.enums import Role
from techfund.core.models import AuditEvent
from techfund.library import views
from tests import factories
from tests.library.conftest import (
    file_application,
    proposal_item,
    recommend_forward_and_check,
    record,
    resubmit,
    valid_id,
)


@pytest.fixture
def web(client, office):
    client.force_login(office)
    return client


def test_page_lists_filters_counts_and_highlights(world, web):
    file_application(world, "海洋牧场智能监测系统", keywords=["海洋牧场"])
    file_application(world, "智能芯片", department=world.ocean)
    r = web.get("/library/", {"q": "海洋", "department": "science_technology"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "<mark>海洋</mark>牧场智能监测系统" in html
    assert "智能芯片" not in html
    assert "找到 1 个项目" in html
    assert "日照蓝海生物科技有限公司" in html  # organisation column


def test_page_escapes_titles_when_highlighting(world, web):
    file_application(world, "<script>海洋</script>")
    html = web.get("/library/", {"q": "海洋"}).content.decode()
    assert "&lt;script&gt;<mark>海洋</mark>&lt;/script&gt;" in html
    assert "<script>海洋" not in html


def test_bad_filters_answer_400_with_the_message(world, web):
    r = web.get("/library/", {"amount_min": "5", "amount_max": "1"})
    assert r.status_code == 400
    assert "金额上限不能低于下限。" in r.content.decode()
    assert web.get("/library/", {"order": "sideways"}).status_code == 400
    assert web.get("/library/export/", {"year": "abc"}).status_code == 400


def test_page_sorts_by_column(world, web):
    file_application(world, "乙项目", requested="200.00")
    file_application(world, "甲项目", requested="900.00")
    r = web.get("/library/", {"order": "amount_asc"})
    assert [a.title for a in r.context["page"]] == ["乙项目", "甲项目"]
    assert r.context["sort"]["amount"] == {"order": "amount_desc", "aria": "ascending"}
    r = web.get("/library/", {"order": "amount_desc"})
    assert [a.title for a in r.context["page"]] == ["甲项目", "乙项目"]


def test_page_is_paginated(world, web, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for i in range(5):
        file_application(world, f"分页项目{i}", submitted_days_ago=i)
    r = web.get("/library/", {"page": 3})
    assert [a.title for a in r.context["page"]] == ["分页项目4"]
    assert r.context["page"].paginator.count == 5


def test_library_page_queries_do_not_grow_with_results(world, web, office):
    def queries() -> int:
        web.get("/library/", {"q": "项目"})  # warm up
        with CaptureQueriesContext(connection) as ctx:
            r = web.get("/library/", {"q": "项目"})
        assert r.status_code == 200
        return len(ctx)

    first = file_application(world, "第一个项目", leads=["张三"])
    proposal_item(first, office, decided="500000.00", state="approved")
    one = queries()
    file_application(world, "第二个项目", org=world.org_b, call=world.call_platforms, department=world.ocean)
    file_application(world, "第三个项目", call=world.call_last_year)
    assert queries() == one


def test_export_has_chinese_headers_and_the_filtered_rows_and_is_audited(world, web, office):
    file_application(world, "海洋牧场智能监测系统", requested="1234567.89", keywords=["牧场", "监测"])
    file_application(world, "海洋观测浮标", department=world.ocean)
    file_application(world, '=HYPERLINK("x")芯片')
    r = web.get("/library/export/", {"q": "海洋", "department": "science_technology"})
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert r["X-Rows"] == "1"
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("申报编号", "项目名称", "申报单位")
    assert "申请财政资金（元）" in rows[0] and "审定金额（元）" in rows[0]
    assert len(rows) == 2
    assert rows[1][1] == "海洋牧场智能监测系统"
    assert rows[1][8] == Decimal("1234567.89") or rows[1][8] == pytest.approx(1234567.89)
    assert rows[1][12] == "牧场、监测"
    cover = dict(wb.worksheets[1].iter_rows(values_only=True))
    assert "关键词：海洋" in cover["筛选条件"] and "归口部门：市科学技术局" in cover["筛选条件"]

    ev = AuditEvent.objects.filter(action="library.exported").get()
    assert ev.actor == office and ev.role == Role.OFFICE and ev.data["rows"] == 1

    # A title that looks like a formula stays text.
    r = web.get("/library/export/", {"q": "芯片"})
    cell = load_workbook(io.BytesIO(r.content)).worksheets[0]["B2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_record_page_shows_core_data_and_the_timeline_in_order(world, web, office):
    app = file_application(
        world,
        "海洋生物医药关键技术研究",
        keywords=["生物医药"],
        leads=["李娜", "王强"],
        state=ApplicationState.RETURNED,
    )
    app = recommend_forward_and_check(world, resubmit(world, app))
    proposal_item(app, office)
    file_application(world, "别的项目")

    r = web.get(f"/library/{app.pk}/")
    assert r.status_code == 200
    html = r.content.decode()
    for text in [
        "海洋生物医药关键技术研究",
        "李娜",
        "王强",
        "日照蓝海生物科技有限公司",
        "市科学技术局",
        "请补充材料",
    ]:
        assert text in html
    assert valid_id(1)[:10] not in html  # team members' ID numbers are not shown in full
    events = r.context["events"]
    assert [e.action for e in events] == [
        "application.started",
        "application.draft_saved",
        "application.submitted",
        "application.returned",
        "application.resubmitted",
        "application.recommended",
        "application.forwarded",
        "application.formal_passed",
        "decision.item.proposed",
    ]
    assert [e.seq for e in events] == sorted(e.seq for e in events)
    assert {e.target_id for e in events if e.target_type == "applications.application"} == {str(app.pk)}
    assert events[-1].record_label == "立项建议与审定" and events[0].record_label == "项目申报"
    assert "部门初审：退回修改" in html  # actions read in Chinese


def test_applicant_timeline_leaves_out_internal_records_and_expert_review(world, client, office):
    app = file_application(world, "海洋项目")
    record("review.assigned", actor=office, target=app, data={"expert": "某专家"})
    app = recommend_forward_and_check(world, app)
    proposal_item(app, office)
    client.force_login(world.applicant(world.org_a))
    r = client.get(f"/library/{app.pk}/")
    assert [e.action for e in r.context["events"]] == [
        "application.started",
        "application.draft_saved",
        "application.submitted",
        "application.recommended",
        "application.forwarded",
        "application.formal_passed",
    ]
    assert "某专家" not in r.content.decode()


def test_navigation_link_for_each_library_role(world, client):
    for role in [
        Role.OFFICE,
        Role.FINANCE,
        Role.LEADING_GROUP,
        Role.AUDITOR,
        Role.DEPARTMENT,
        Role.APPLICANT,
    ]:
        client.force_login(factories.user(role))
        assert 'href="/library/"' in client.get("/").content.decode(), role
    client.force_login(factories.user(Role.EXPERT))
    assert 'href="/library/"' not in client.get("/").content.decode()
