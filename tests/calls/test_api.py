"""The calls' REST API: same services, same scope (404), same refusals (400), 403; the public list."""

import pytest
from rest_framework.test import APIClient

from techfund.calls.models import Call
from tests.calls.builders import make_call, nothing_saved


@pytest.fixture
def api():
    def as_user(user=None):
        c = APIClient()
        if user is not None:
            c.force_authenticate(user)
        return c

    return as_user


BODY = {
    "focus_area": "major_projects",
    "code": "2026-ZD-20",
    "title": "重大专项",
    "establishment_mode": "competitive",
    "ceiling": "2000000.00",
    "opens_at": "2026-01-01T09:00:00+08:00",
    "closes_at": "2099-01-01T17:00:00",
    "quotas": {"science_technology": 2},
}


def test_create_update_publish_close(fund_year, office, api):
    c = api(office)
    r = c.post("/api/calls/", {**BODY, "year": fund_year.year}, format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["state"] == "draft" and body["quotas"] == [
        {"department": "science_technology", "department_name": "市科学技术局", "quota": 2}
    ]
    assert body["closes_at"].startswith("2099-01-01T17:00:00")
    pk = body["id"]
    r = c.patch(f"/api/calls/{pk}/", {"title": "重大专项（修订）", "per_org_limit": 3}, format="json")
    assert r.status_code == 200 and r.json()["title"] == "重大专项（修订）" and r.json()["per_org_limit"] == 3
    assert c.post(f"/api/calls/{pk}/publish/").json()["state"] == "published"
    r = c.patch(f"/api/calls/{pk}/", {"title": "x"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "call_not_editable"
    assert c.post(f"/api/calls/{pk}/close/").json()["state"] == "closed"


def test_refusals_are_400_with_field_errors(fund_year, office, api):
    with nothing_saved():
        r = api(office).post(
            "/api/calls/", {**BODY, "year": fund_year.year, "establishment_mode": "challenge"}, format="json"
        )
    assert r.status_code == 400
    assert r.json() == {
        "detail": "申报指南有 3 处需要修改，请按提示修改。",
        "code": "call_invalid",
        "errors": {
            "challenge_targets": ["组阁揭榜须发布榜单目标。"],
            "challenge_funding": ["组阁揭榜须写明榜单资金。"],
            "challenge_deadline": ["组阁揭榜须写明揭榜完成期限。"],
        },
    }


def test_cancel_needs_a_reason(call, office, api):
    r = api(office).post(f"/api/calls/{call.pk}/cancel/", {"reason": ""}, format="json")
    assert r.status_code == 400 and r.json()["detail"] == "撤销申报指南须说明理由。"
    r = api(office).post(f"/api/calls/{call.pk}/cancel/", {"reason": "调整"}, format="json")
    assert r.json()["state"] == "cancelled"


@pytest.mark.parametrize("who", ["leader", "finance", "auditor", "st_officer"])
def test_readers_get_403_on_writes(call, fund_year, who, request, api):
    c = api(request.getfixturevalue(who))
    assert c.get(f"/api/calls/{call.pk}/").status_code == 200
    with nothing_saved():
        assert c.post(f"/api/calls/{call.pk}/close/").status_code == 403
        assert c.post("/api/calls/", {**BODY, "year": fund_year.year}, format="json").status_code == 403


def test_applicants_see_public_calls_only(fund_year, office, call, applicant, api):
    draft = make_call(fund_year, office, publish=False, code="2026-ZD-D")
    c = api(applicant)
    assert [row["id"] for row in c.get("/api/calls/").json()["results"]] == [call.pk]
    assert c.get(f"/api/calls/{draft.pk}/").status_code == 404
    assert c.post(f"/api/calls/{call.pk}/close/").status_code == 403
    assert Call.objects.get(pk=call.pk).state == "published"


def test_the_public_list_needs_no_login(fund_year, office, call, api):
    make_call(fund_year, office, publish=False, code="2026-ZD-D")
    anonymous = api()
    assert anonymous.get("/api/calls/").status_code in (401, 403)
    r = anonymous.get("/api/public/calls/")
    assert r.status_code == 200
    (row,) = r.json()["results"]
    assert (
        row["code"] == call.code and row["is_open"] is True and row["focus_area_name"] == "重大科技创新专项"
    )
    assert anonymous.get(f"/api/public/calls/{call.pk}/").status_code == 200
    assert anonymous.post("/api/public/calls/", {}, format="json").status_code == 405
