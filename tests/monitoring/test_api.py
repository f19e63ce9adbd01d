"""The REST API: the same services, scope (404), roles (403) and refusals (400 {detail, code, errors})."""

import pytest
from rest_framework.test import APIClient

from techfund.monitoring import services as monitoring
from tests.monitoring.conftest import IN_P1, LATE_P1, nothing_saved


@pytest.fixture
def api():
    def as_user(user):
        c = APIClient()
        c.force_authenticate(user)
        return c

    return as_user


def test_reports_through_the_api(paid, running, unit_user, dept_officer, other_officer, leader, api, clock):
    clock(LATE_P1)
    u = api(unit_user)
    body = {
        "project": running.pk,
        "period": 1,
        "progress": "样机加工中",
        "milestones": "按计划",
        "funds_spent": "2500000",
    }
    with nothing_saved():
        r = u.post("/api/monitoring/reports/", body, format="json")
    assert r.status_code == 400 and r.json()["code"] == "report_invalid"
    assert r.json()["errors"] == {
        "funds_spent": ["累计使用财政资金 2,500,000.00 元超过截至目前已拨付的 2,400,000.00 元。"]
    }
    with nothing_saved():
        r = u.post("/api/monitoring/reports/", {**body, "period": 3, "funds_spent": "1"}, format="json")
    assert (
        r.status_code == 400 and r.json()["detail"] == "第3期报告期自2027年10月20日开始，尚未开始，不能报送。"
    )
    r = u.post("/api/monitoring/reports/", {**body, "funds_spent": "1000000.00"}, format="json")
    assert r.status_code == 201
    report = r.json()
    assert (
        report["state"] == "submitted" and report["late"] is True and report["paid_to_date"] == "2400000.00"
    )
    assert report["due_date"] == "2027-05-04" and report["submitted_by"] == unit_user.username
    assert api(dept_officer).post("/api/monitoring/reports/", body, format="json").status_code == 403
    assert api(other_officer).post("/api/monitoring/reports/", body, format="json").status_code == 404

    review = f"/api/monitoring/reports/{report['id']}/review/"
    assert api(leader).post(review, {"decision": "accept"}, format="json").status_code == 403
    assert api(other_officer).post(review, {"decision": "accept"}, format="json").status_code == 404
    assert api(other_officer).get(f"/api/monitoring/reports/{report['id']}/").status_code == 404
    d = api(dept_officer)
    with nothing_saved():
        r = d.post(review, {"decision": "return", "opinion": ""}, format="json")
    assert r.status_code == 400 and r.json()["errors"] == {
        "opinion": ["退回进展报告须写明审核意见（需要补充或修改的内容）。"]
    }
    r = d.post(
        review,
        {
            "decision": "return",
            "opinion": "补充明细",
            "rectification": {"issue": "明细缺失", "requirement": "补报"},
        },
        format="json",
    )
    assert (
        r.status_code == 200 and r.json()["state"] == "returned" and r.json()["review_opinion"] == "补充明细"
    )
    rects = d.get(f"/api/monitoring/rectifications/?project={running.pk}").json()["results"]
    assert [x["report"] for x in rects] == [report["id"]] and rects[0]["deadline"] == "2027-06-09"

    schedule = u.get(f"/api/monitoring/schedules/{running.pk}/").json()
    assert schedule["project_number"] == running.number and len(schedule["periods"]) == 5
    first = schedule["periods"][0]
    assert first["status"] == "overdue" and first["days_overdue"] == 6 and first["returned"] == [report["id"]]
    assert [s["project"] for s in u.get("/api/monitoring/schedules/").json()] == [running.pk]
    assert api(other_officer).get(f"/api/monitoring/schedules/{running.pk}/").status_code == 404
    overdue = d.get("/api/monitoring/overdue/").json()
    assert overdue["day"] == "2027-05-10" and [o["period"]["number"] for o in overdue["reports"]] == [1]
    assert api(other_officer).get("/api/monitoring/overdue/").json()["reports"] == []
    assert [r["id"] for r in u.get("/api/monitoring/reports/?state=returned").json()["results"]] == [
        report["id"]
    ]
    assert u.get("/api/monitoring/reports/?state=accepted").json()["results"] == []


def test_rectifications_and_escalations_through_the_api(
    running, unit_user, dept_officer, office, finance, api, clock
):
    clock(IN_P1)
    d = api(dept_officer)
    with nothing_saved():
        r = d.post(
            "/api/monitoring/rectifications/",
            {"project": running.pk, "issue": "", "requirement": "x"},
            format="json",
        )
    assert r.status_code == 400 and r.json()["errors"] == {"issue": ["请填写存在的问题。"]}
    r = d.post(
        "/api/monitoring/rectifications/",
        {"project": running.pk, "issue": "进度滞后", "requirement": "加快进度", "deadline": "2027-04-01"},
        format="json",
    )
    assert r.status_code == 201 and r.json()["state"] == "issued" and r.json()["overdue"] is False
    rect = r.json()["id"]
    assert (
        api(finance)
        .post(f"/api/monitoring/rectifications/{rect}/respond/", {"response": "x"}, format="json")
        .status_code
        == 403
    )
    r = api(unit_user).post(
        f"/api/monitoring/rectifications/{rect}/respond/", {"response": "已加快"}, format="json"
    )
    assert (
        r.status_code == 200
        and r.json()["state"] == "responded"
        and r.json()["responded_by"] == unit_user.username
    )
    r = d.post(f"/api/monitoring/rectifications/{rect}/verify/", {"decision": "close"}, format="json")
    assert (
        r.status_code == 200
        and r.json()["state"] == "closed"
        and r.json()["verified_by"] == dept_officer.username
    )
    with nothing_saved():
        assert (
            d.post(
                f"/api/monitoring/rectifications/{rect}/respond/", {"response": "x"}, format="json"
            ).status_code
            == 403
        )
        r = api(unit_user).post(
            f"/api/monitoring/rectifications/{rect}/respond/", {"response": "x"}, format="json"
        )
    assert r.status_code == 400 and r.json()["code"] == "rectification_not_issued"

    r = d.post(
        "/api/monitoring/escalations/",
        {
            "project": running.pk,
            "summary": "负责人失联",
            "suggested_action": "terminate",
            "rectification": rect,
        },
        format="json",
    )
    assert r.status_code == 201 and r.json()["rectification"] == rect
    esc = r.json()["id"]
    assert api(unit_user).get(f"/api/monitoring/escalations/{esc}/").status_code == 404
    assert api(unit_user).get("/api/monitoring/escalations/").json()["results"] == []
    assert (
        d.post(f"/api/monitoring/escalations/{esc}/handle/", {"decision": "x"}, format="json").status_code
        == 403
    )
    o = api(office)
    with nothing_saved():
        r = o.post(f"/api/monitoring/escalations/{esc}/handle/", {"decision": " "}, format="json")
    assert r.status_code == 400 and r.json()["detail"] == "请填写办公室处理意见。"
    r = o.post(
        f"/api/monitoring/escalations/{esc}/handle/", {"decision": "报领导小组研究终止。"}, format="json"
    )
    assert (
        r.status_code == 200 and r.json()["state"] == "handled" and r.json()["decided_action"] == "terminate"
    )
    assert monitoring.overdue(office, today=IN_P1).rectifications == []
