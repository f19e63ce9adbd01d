"""The API: panels, meetings (schedule, record, cancel) and site visits with files, refusing as the
services do (400 with the Chinese message) and scoped like the pages."""

import hashlib

import pytest
from rest_framework.test import APIClient

from techfund.core.enums import Role
from techfund.review import services
from techfund.review.models import Meeting, SiteVisit
from tests import factories
from tests.review.meetings.conftest import JPG, PDF, nothing_saved, upload


@pytest.fixture
def api():
    def login(user):
        c = APIClient()
        c.force_authenticate(user)
        return c

    return login


def test_panels_and_meetings(meeting_round, office, seven, app1, expert_c, api):
    c = api(office)
    body = {
        "round": meeting_round.pk,
        "name": "第一专家组",
        "members": [e.pk for e in seven[:4]],
        "chair": seven[0].pk,
    }
    with nothing_saved():
        r = c.post("/api/review/panels/", body, format="json")
    assert (
        r.status_code == 400 and r.json()["detail"] == "专家组人数应为5–7 名，单数（政策配置），现为 4 名。"
    )
    body["members"] = [e.pk for e in seven[:5]]
    r = c.post("/api/review/panels/", body, format="json")
    assert r.status_code == 201 and r.json()["chair"] == seven[0].pk and len(r.json()["members"]) == 5
    panel = r.json()["id"]
    r = c.post(
        "/api/review/meetings/",
        {"panel": panel, "held_at": "2026-06-18T09:00+08:00", "place": "会议室"},
        format="json",
    )
    assert r.status_code == 201
    meeting = r.json()
    assert [(i["application"], i["reason"]) for i in meeting["agenda"]] == [(app1.pk, "disagreement")]
    r = c.post(
        f"/api/review/meetings/{meeting['id']}/record/",
        {"attendance": {}, "minutes": "", "votes": {}},
        format="json",
    )
    assert r.status_code == 400 and r.json()["code"] == "round_not_open"
    services.open_round(meeting_round, actor=office)
    ids = [m["expert"] for m in r_members(c, panel)]
    record = {
        "attendance": {str(e): True for e in ids},
        "minutes": "纪要",
        "votes": {str(app1.pk): {str(e): {"choice": "support", "comment": f"意见{e}"} for e in ids}},
    }
    r = c.post(f"/api/review/meetings/{meeting['id']}/record/", record, format="json")
    assert r.status_code == 200 and r.json()["state"] == "held"
    item = r.json()["agenda"][0]
    assert item["recommendation"] == "support" and item["tally"] == {
        "support": 5,
        "support_revised": 0,
        "not_support": 0,
    }
    assert len(item["votes"]) == 5
    r = c.post(f"/api/review/meetings/{meeting['id']}/record/", record, format="json")
    assert r.status_code == 400 and r.json()["code"] == "meeting_final"
    # a panel member: their own vote only; an expert not on the panel and an applicant: 404 / nothing
    member = Meeting.objects.get().panel.members.get(expert_id=ids[1]).expert
    data = api(member.user).get(f"/api/review/meetings/{meeting['id']}/").json()
    assert [v["expert"] for v in data["agenda"][0]["votes"]] == [ids[1]]
    assert data["agenda"][0]["tally"]["support"] == 5
    assert api(expert_c.user).get(f"/api/review/meetings/{meeting['id']}/").status_code == 404
    assert api(expert_c.user).get(f"/api/review/panels/{panel}/").status_code == 404
    applicant = factories.user(Role.APPLICANT, organisation=app1.organisation)
    for path in ("/api/review/meetings/", "/api/review/panels/", "/api/review/site-visits/"):
        assert api(applicant).get(path).json()["results"] == []
    assert api(expert_c.user).get("/api/review/meetings/").json()["results"] == []
    assert len(api(member.user).get("/api/review/meetings/").json()["results"]) == 1


def r_members(c, panel) -> list[dict]:
    return c.get(f"/api/review/panels/{panel}/").json()["members"]


def test_changing_a_panel_and_cancelling_a_meeting(panel, meeting, office, seven, api):
    c = api(office)
    r = c.patch(
        f"/api/review/panels/{panel.pk}/",
        {"members": [e.pk for e in seven[1:6]], "chair": seven[1].pk, "reason": ""},
        format="json",
    )
    assert r.status_code == 400 and r.json()["detail"] == "请说明调整专家组成员的理由。"
    r = c.patch(
        f"/api/review/panels/{panel.pk}/",
        {"members": [e.pk for e in seven[1:6]], "chair": seven[1].pk, "reason": "回避调整"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["chair"] == seven[1].pk
    assert (
        api(seven[0].user).post(f"/api/review/meetings/{meeting.pk}/cancel/", {"reason": "x"}).status_code
        == 404
    )
    r = c.post(f"/api/review/meetings/{meeting.pk}/cancel/", {"reason": "改期"}, format="json")
    assert r.status_code == 204 and not Meeting.objects.exists()


def test_site_visits_with_files(open_site_round, office, app2, visit_experts, expert_c, finance, api):
    c = api(office)
    body = {
        "round": open_site_round.pk,
        "application": app2.pk,
        "visited_on": "2026-01-05",
        "place": "日照市经开区",
        "experts": [e.pk for e in visit_experts],
        "findings": "场地、设备、人员到位。",
        "conclusion": "support",
        "attachments": [upload("考核表.pdf", PDF), upload("空.png", b"")],
    }
    with nothing_saved():
        r = c.post("/api/review/site-visits/", body, format="multipart")
    assert r.status_code == 400 and r.json()["detail"] == "附件“空.png”是空文件。"
    body["attachments"] = [upload("考核表.pdf", PDF)]
    r = c.post("/api/review/site-visits/", body, format="multipart")
    assert r.status_code == 201
    visit = r.json()
    assert [(a["name"], a["size"], a["sha256"]) for a in visit["attachments"]] == [
        ("考核表.pdf", len(PDF), hashlib.sha256(PDF).hexdigest())
    ]
    r = c.post(
        f"/api/review/site-visits/{visit['id']}/attachments/",
        {"file": upload("照片.jpg", JPG)},
        format="multipart",
    )
    assert r.status_code == 201 and r.json()["sha256"] == hashlib.sha256(JPG).hexdigest()
    att = SiteVisit.objects.get().attachments.get(name="照片.jpg")
    url = f"/api/review/site-visit-attachments/{att.pk}/download/"
    r = api(visit_experts[0].user).get(url)
    assert r.status_code == 200 and b"".join(r.streaming_content) == JPG and r["Content-Type"] == "image/jpeg"
    assert api(finance).get(url).status_code == 404
    assert api(expert_c.user).get(f"/api/review/site-visits/{visit['id']}/").status_code == 404
    assert api(finance).get(f"/api/review/site-visits/{visit['id']}/").status_code == 200
