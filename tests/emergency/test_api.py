"""The REST API of 一事一议: same services, same scope (404), same refusals (400 {detail, code,
errors}), 403 for the wrong role."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from techfund.emergency.models import EmergencyRequest
from tests.decisions.conftest import area
from tests.emergency.conftest import TARGETS, M, nothing_saved


@pytest.fixture
def api():
    def as_user(user=None):
        c = APIClient()
        if user is not None:
            c.force_authenticate(user)
        return c

    return as_user


def body(fund_year, unit, ocean, **over):
    d = {
        "year": fund_year.year,
        "title": "海上溢油应急处置关键技术攻关",
        "organisation": unit.uscc,
        "department": ocean.code,
        "focus_area": "major_projects",
        "amount": "2000000.00",
        "justification": "近海溢油事故频发。",
        "basis": "市政府专题会议纪要〔2026〕18号",
        "content": "研制溢油快速检测与围控设备。",
        "start_date": "2026-12-01",
        "end_date": "2027-11-30",
        "targets": TARGETS,
        "milestones": [{"due_date": "2027-06-30", "description": "完成样机"}],
    }
    d.update(over)
    return d


def test_submit_and_approve_through_the_api(fund_year, unit, ocean, office, leader, api):
    c = api(office)
    with nothing_saved():
        r = c.post("/api/emergency/requests/", body(fund_year, unit, ocean, amount="20000000"), format="json")
    assert r.status_code == 400 and r.json()["code"] == "exceeds_remaining_allocation"
    assert r.json()["errors"]["amount"] == [r.json()["detail"]]
    with nothing_saved():
        r = c.post("/api/emergency/requests/", body(fund_year, unit, ocean, targets=[]), format="json")
    assert r.status_code == 400 and r.json()["detail"] == "请至少填写一项绩效目标。"
    with nothing_saved():
        r = api(leader).post("/api/emergency/requests/", body(fund_year, unit, ocean), format="json")
    assert r.status_code == 403
    r = c.post("/api/emergency/requests/", body(fund_year, unit, ocean), format="json")
    assert r.status_code == 201, r.json()
    got = r.json()
    assert got["number"] == "YS2026-001" and got["state"] == "submitted" and got["project"] is None
    assert got["focus_area"] == "major_projects" and len(got["targets"]) == 2
    assert got["milestones"] == [{"due_date": "2027-06-30", "description": "完成样机"}]
    rid = got["id"]

    with nothing_saved():
        assert (
            c.post(f"/api/emergency/requests/{rid}/approve/", {"basis": "同意"}, format="json").status_code
            == 403
        )
        r = api(leader).post(f"/api/emergency/requests/{rid}/approve/", {"basis": ""}, format="json")
    assert r.status_code == 400 and r.json()["errors"] == {"basis": ["请填写审定依据。"]}
    r = api(leader).post(f"/api/emergency/requests/{rid}/approve/", {"basis": "同意"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "approved"
    assert r.json()["project_number"] == "KC2026-0001"
    assert area(fund_year) == 8 * M
    r = api(leader).post(f"/api/emergency/requests/{rid}/reject/", {"basis": "x"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "already_decided"


def test_reject_through_the_api(req, leader, api):
    r = api(leader).post(
        f"/api/emergency/requests/{req.pk}/reject/", {"basis": "按常规程序申报"}, format="json"
    )
    assert (
        r.status_code == 200
        and r.json()["state"] == "rejected"
        and r.json()["decision_basis"] == "按常规程序申报"
    )


def test_scope(req, office, auditor, ocean_officer, officer, applicant, api):
    for user in (office, auditor, ocean_officer):
        r = api(user).get("/api/emergency/requests/")
        assert [x["id"] for x in r.json()["results"]] == [req.pk]
        assert api(user).get(f"/api/emergency/requests/{req.pk}/").status_code == 200
    for user in (officer, applicant):
        assert api(user).get("/api/emergency/requests/").json()["results"] == []
        assert api(user).get(f"/api/emergency/requests/{req.pk}/").status_code == 404
        with nothing_saved():
            r = api(user).post(f"/api/emergency/requests/{req.pk}/approve/", {"basis": "同意"}, format="json")
        assert r.status_code == 404
    assert api().get("/api/emergency/requests/").status_code in (401, 403)


def test_filters(submit, leader, api, fund_year):
    a, b = submit(amount="1000"), submit(amount="2000")
    from techfund.emergency import services as es

    es.reject_emergency(b, actor=leader, basis="不同意")
    r = api(leader).get("/api/emergency/requests/?state=submitted")
    assert [x["id"] for x in r.json()["results"]] == [a.pk]
    r = api(leader).get(f"/api/emergency/requests/?year={fund_year.year + 1}")
    assert r.json()["results"] == []
    assert EmergencyRequest.objects.count() == 2 and dt.date
