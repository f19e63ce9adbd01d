"""The REST API: same services, same scope (404), same refusals (400 {detail, code, errors}), 403."""

import pytest
from rest_framework.test import APIClient

from techfund.applications.models import Application
from techfund.core.enums import Role
from techfund.review.models import Assignment, Expert, ReviewRound
from tests import factories
from tests.review.conftest import CRITERIA, assignment_of, make_expert, nothing_saved, score, scores


@pytest.fixture
def api():
    def as_user(user):
        c = APIClient()
        c.force_authenticate(user)
        return c

    return as_user


def test_experts(office, auditor, expert_a, expert_b, api):
    user = factories.user(Role.EXPERT)
    body = {
        "user": user.pk,
        "name": "钱丁",
        "organisation_name": "中国海洋大学",
        "keywords": ["海洋"],
        "max_load": 5,
    }
    with nothing_saved():
        assert api(auditor).post("/api/review/experts/", body, format="json").status_code == 403
        r = api(office).post("/api/review/experts/", {**body, "max_load": 0}, format="json")
        assert r.status_code == 400
        assert r.json() == {
            "detail": "每轮最多评审数应为 1 到 500 之间的整数，收到“0”。",
            "code": "expert_invalid",
            "errors": {"max_load": ["每轮最多评审数应为 1 到 500 之间的整数，收到“0”。"]},
        }
    r = api(office).post("/api/review/experts/", body, format="json")
    assert r.status_code == 201 and r.json()["name"] == "钱丁" and r.json()["username"] == user.username
    pk = r.json()["id"]
    r = api(office).patch(
        f"/api/review/experts/{pk}/", {"status": "banned", "status_reason": "违反保密规定"}, format="json"
    )
    assert r.status_code == 200 and r.json()["status"] == "banned"
    assert len(api(auditor).get("/api/review/experts/").json()["results"]) == 3
    # an expert reads their own record only
    rows = api(expert_a.user).get("/api/review/experts/").json()["results"]
    assert [x["name"] for x in rows] == ["王甲"]
    assert api(expert_a.user).get(f"/api/review/experts/{expert_b.pk}/").status_code == 404
    assert (
        api(expert_a.user).patch(f"/api/review/experts/{expert_a.pk}/", {"title": "院士"}).status_code == 403
    )


def test_rounds_create_open_close_results(call, office, leader, app1, expert_a, api):
    c = api(office)
    bad = {
        "call": call.pk,
        "name": "通讯评审",
        "method": "remote",
        "criteria": [{"code": "all", "name": "综合", "weight": 90}],
    }
    with nothing_saved():
        r = c.post("/api/review/rounds/", bad, format="json")
        assert r.status_code == 400 and r.json()["detail"] == "各评审要素的权重之和应为 100，现为 90.00。"
        assert api(leader).post("/api/review/rounds/", bad, format="json").status_code == 403
    r = c.post("/api/review/rounds/", {**bad, "criteria": CRITERIA}, format="json")
    assert r.status_code == 201
    body = r.json()
    assert body["state"] == "draft" and body["sequence"] == 1
    assert body["criteria"][2] == {
        "code": "team",
        "name": "团队与基础",
        "weight": "20.00",
        "max_score": "10.00",
    }
    pk = body["id"]
    r = c.post(f"/api/review/rounds/{pk}/open/")
    assert r.status_code == 400 and r.json()["code"] == "round_without_assignments"
    r = c.post(
        "/api/review/assignments/",
        {"round": pk, "application": app1.pk, "expert": expert_a.pk},
        format="json",
    )
    assert r.status_code == 201 and r.json()["expert_name"] == "王甲"
    assert c.post(f"/api/review/rounds/{pk}/open/").json()["state"] == "open"
    r = c.post(f"/api/review/rounds/{pk}/close/")
    assert r.status_code == 400 and r.json()["errors"] == {"applications": ["A-0001"]}
    a = Assignment.objects.get()
    r = api(expert_a.user).post(
        f"/api/review/assignments/{a.pk}/score/",
        {
            "scores": {"innovation": 90, "feasibility": "80", "team": 9},
            "comment": "好",
            "recommendation": "support",
        },
        format="json",
    )
    assert r.status_code == 200 and r.json()["total"] == "87.00"
    r = c.post(f"/api/review/rounds/{pk}/close/")
    assert r.status_code == 200
    assert [(x["application_number"], x["score"], x["rank"], x["recommendation"]) for x in r.json()] == [
        ("A-0001", "87.00", 1, "support")
    ]
    assert api(leader).get(f"/api/review/rounds/{pk}/results/").json()[0]["score"] == "87.00"
    rows = (
        api(leader).get(f"/api/review/results/ranking/?year={call.fund_year.year}&focus_area=key_rd").json()
    )
    assert rows[0]["area_rank"] == 1 and rows[0]["application_number"] == "A-0001"
    assert ReviewRound.objects.get(pk=pk).state == "closed"


def test_assignment_conflict_and_delete(draft_round, office, app1, org_x, expert_a, api):
    insider = make_expert(office, name="周戊", organisation=org_x)
    c = api(office)
    with nothing_saved():
        r = c.post(
            "/api/review/assignments/",
            {"round": draft_round.pk, "application": app1.pk, "expert": insider.pk},
            format="json",
        )
    assert r.status_code == 400 and r.json()["code"] == "conflict_same_organisation"
    assert r.json()["detail"].startswith("回避：专家周戊的工作单位“日照海工装备有限公司”")
    pk = c.post(
        "/api/review/assignments/",
        {"round": draft_round.pk, "application": app1.pk, "expert": expert_a.pk},
        format="json",
    ).json()["id"]
    with nothing_saved():
        r = c.delete(f"/api/review/assignments/{pk}/")
        assert r.status_code == 400 and r.json()["detail"] == "撤销评审任务须说明理由。"
        assert (
            api(expert_a.user)
            .delete(f"/api/review/assignments/{pk}/", {"reason": "x"}, format="json")
            .status_code
            == 403
        )
    assert c.delete(f"/api/review/assignments/{pk}/", {"reason": "调整"}, format="json").status_code == 204
    assert not Assignment.objects.exists()


def test_an_expert_lists_and_reads_only_their_own(
    open_round, app1, app2, app3, expert_a, expert_b, expert_c, api
):
    a = api(expert_a.user)
    rows = a.get("/api/review/assignments/").json()["results"]
    assert sorted(x["application_number"] for x in rows) == ["A-0001", "A-0002"]
    assert {x["expert_name"] for x in rows} == {"王甲"}
    mine = assignment_of(open_round, app1, expert_a)
    body = a.get(f"/api/review/assignments/{mine.pk}/").json()
    content = body["application_content"]
    assert content["title"] == "深远海养殖平台关键技术" and content["budget_lines"][0]["item"] == "试验台"
    assert content["team"] == [{"name": "李研究", "role": "lead", "title": "研究员", "organisation_name": ""}]
    assert [c["code"] for c in body["criteria"]] == ["innovation", "feasibility", "team"]
    theirs = assignment_of(open_round, app1, expert_b)
    assert a.get(f"/api/review/assignments/{theirs.pk}/").status_code == 404
    assert a.get(f"/api/review/assignments/?application={app1.pk}").json()["count"] == 1
    assert a.get(f"/api/review/assignments/?application={app3.pk}").json()["count"] == 0
    assert a.get("/api/review/results/").json()["results"] == []
    with nothing_saved():
        r = a.post(f"/api/review/assignments/{theirs.pk}/score/", {"scores": {}}, format="json")
        assert r.status_code == 404
        r = a.post(f"/api/review/assignments/{theirs.pk}/decline/", {"reason": "x"}, format="json")
        assert r.status_code == 404
    assert api(expert_c.user).get("/api/review/assignments/").json()["results"] == []
    assert api(expert_c.user).get("/api/review/rounds/").json()["results"] == []
    assert (
        len(a.get("/api/review/rounds/").json()["results"]) == 1
    )  # the round of their tasks, for its criteria


def test_score_refusals_and_decline(open_round, office, app1, app2, expert_a, api):
    a = api(expert_a.user)
    mine = assignment_of(open_round, app1, expert_a)
    with nothing_saved():
        r = a.post(
            f"/api/review/assignments/{mine.pk}/score/",
            {"scores": {"innovation": 101, "feasibility": 80}, "comment": "", "recommendation": "support"},
            format="json",
        )
        assert r.status_code == 400
        assert r.json()["errors"] == {
            "scores.innovation": ["“创新性”的得分应在 0 到 100.00 之间，收到 101。"],
            "scores.team": ["请为“团队与基础”评分。"],
            "comment": ["请填写评审意见。"],
        }
        body = {"scores": scores(80, 80, 8), "comment": "好", "recommendation": "support"}
        assert (
            api(office).post(f"/api/review/assignments/{mine.pk}/score/", body, format="json").status_code
            == 403
        )
    r = a.post(
        f"/api/review/assignments/{mine.pk}/score/",
        {"scores": scores(80, 80, 8), "comment": "好", "recommendation": "support"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["scores"] == {
        "innovation": "80.00",
        "feasibility": "80.00",
        "team": "8.00",
    }
    with nothing_saved():
        r = a.post(
            f"/api/review/assignments/{mine.pk}/score/",
            {"scores": scores(90, 90, 9), "comment": "改", "recommendation": "support"},
            format="json",
        )
        assert r.status_code == 400 and r.json()["code"] == "score_final"
    other = assignment_of(open_round, app2, expert_a)
    r = a.post(f"/api/review/assignments/{other.pk}/decline/", {"reason": "回避"}, format="json")
    assert (
        r.status_code == 200 and r.json()["state"] == "declined" and r.json()["application_content"] is None
    )


def test_applicant_and_officer_see_results_only(
    open_round, office, applicant_x, officer, app1, app2, expert_a, expert_b, api
):
    score(assignment_of(open_round, app1, expert_a), scores(90, 80, 9))
    score(assignment_of(open_round, app1, expert_b), scores(70, 60, 6))
    score(assignment_of(open_round, app2, expert_a), scores(50, 50, 5))
    c = api(applicant_x)
    assert c.get("/api/review/results/").json()["results"] == []  # nothing before the round closes
    from techfund.review import services

    services.close_round(open_round, actor=office)
    assert c.get("/api/review/assignments/").json()["results"] == []
    assert c.get("/api/review/experts/").json()["results"] == []
    assert c.get("/api/review/rounds/").json()["results"] == []
    a = assignment_of(open_round, app1, expert_a)
    assert c.get(f"/api/review/assignments/{a.pk}/").status_code == 404
    rows = c.get("/api/review/results/").json()["results"]
    assert [(x["application_number"], x["score"]) for x in rows] == [("A-0001", "76.00")]
    assert "expert" not in rows[0] and "王甲" not in str(rows)
    # an officer of another department sees nothing
    assert api(officer).get("/api/review/results/").json()["results"] == []
    assert Application.objects.get(pk=app1.pk).state == "reviewed"
    assert Expert.objects.count() == 2


def test_schema_renders(office, api):
    r = api(office).get("/api/schema/")
    assert r.status_code == 200 and b"/api/review/assignments/{id}/score/" in r.content
