"""The library API: search with the page's filters, one record, its timeline, and the schema."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from techfund.core.enums import Role
from tests.library.conftest import file_application, proposal_item, recommend_forward_and_check


@pytest.fixture
def api(office):
    client = APIClient()
    client.force_authenticate(office)
    return client


def test_list_searches_with_filters_and_paginates(world, api, office):
    hit = file_application(world, "海洋牧场智能监测系统", requested="800000.00", leads=["王海涛"])
    proposal_item(
        hit, office, amount="700000.00", decided="600000.00", state="approved", support_mode="equity"
    )
    file_application(world, "海洋观测浮标", department=world.ocean)
    file_application(world, "芯片设计")
    r = api.get("/api/library/", {"q": "海洋", "department": "science_technology", "support_mode": "equity"})
    assert r.status_code == 200
    assert r.data["count"] == 1
    row = r.data["results"][0]
    assert row["number"] == hit.number
    assert row["year"] == world.year and row["focus_area"] == "major_projects"
    assert row["establishment_mode"] == "competitive" and row["support_mode"] == "equity"
    assert row["requested_amount"] == "800000.00"
    assert row["decided_amount"] == "600000.00" and row["amount"] == "600000.00"
    assert row["organisation"] == "日照蓝海生物科技有限公司" and row["department"] == "science_technology"

    r = api.get("/api/library/", {"limit": 2, "order": "number"})
    assert r.data["count"] == 3 and len(r.data["results"]) == 2 and r.data["next"]


def test_list_refuses_bad_filters_with_field_errors(world, api):
    r = api.get("/api/library/", {"amount_min": "10", "amount_max": "1", "state": "nope"})
    assert r.status_code == 400
    assert r.data["code"] == "filter_invalid"
    assert set(r.data["errors"]) == {"amount_max", "state"}


def test_record_and_timeline(world, api, office):
    app = file_application(world, "海洋生物医药关键技术研究", leads=["李娜"])
    app = recommend_forward_and_check(world, app)
    r = api.get(f"/api/library/{app.pk}/")
    assert r.status_code == 200
    assert r.data["team_leads"] == ["李娜"] and r.data["title"] == "海洋生物医药关键技术研究"
    assert r.data["state"] == "formal_passed"
    r = api.get(f"/api/library/{app.pk}/timeline/")
    assert r.status_code == 200
    assert [e["action"] for e in r.data][-4:] == [
        "application.submitted",
        "application.recommended",
        "application.forwarded",
        "application.formal_passed",
    ]
    assert r.data[-1]["action_label"] == "形式审查通过" and r.data[-1]["record"] == "项目申报"
    assert r.data[-1]["actor_name"] == office.username and r.data[-1]["role"] == Role.OFFICE
    assert [e["seq"] for e in r.data] == sorted(e["seq"] for e in r.data)


def test_list_queries_do_not_grow_with_results(world, api, office):
    def queries() -> int:
        api.get("/api/library/")
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/api/library/", {"q": "项目"}).status_code == 200
        return len(ctx)

    proposal_item(file_application(world, "第一个项目"), office)
    one = queries()
    file_application(world, "第二个项目", org=world.org_b)
    file_application(world, "第三个项目", call=world.call_platforms)
    assert queries() == one


def test_schema_documents_the_library(api):
    r = api.get("/api/schema/", {"format": "json"})
    assert r.status_code == 200
    paths = r.json()["paths"]
    params = {p["name"] for p in paths["/api/library/"]["get"]["parameters"]}
    assert {"q", "year", "focus_area", "department", "state", "establishment_mode", "support_mode"} <= params
    assert {"amount_min", "amount_max", "order", "limit", "offset"} <= params
    assert "/api/library/{id}/timeline/" in paths
