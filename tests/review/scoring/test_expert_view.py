"""What an expert sees: never another expert's score or comment before submitting their own (web and
API), the others anonymised after (专家A, 专家B, …: totals and recommendations, no names, no
comments); no results at all, before or after the round closes. The 接受评审 button; an accepted task
is still to be scored. The office sees everything."""

import pytest
from rest_framework.test import APIClient

from techfund.core.models import AuditEvent
from techfund.review import services
from techfund.review.models import Assignment
from tests.review.conftest import assignment_of, nothing_saved, score, scores

SECRET = "赵乙的独到意见：市场前景存疑"


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def api():
    def as_user(user):
        c = APIClient()
        c.force_authenticate(user)
        return c

    return as_user


def test_others_scores_are_hidden_until_the_expert_submits(open_round, app1, expert_a, expert_b, client, api):
    theirs = assignment_of(open_round, app1, expert_b)
    score(theirs, scores(90, 80, 9), comment=SECRET)  # 87.00
    mine = assignment_of(open_round, app1, expert_a)
    client.force_login(expert_a.user)
    page = text(client.get(f"/review/tasks/{mine.pk}/"))
    assert "其他专家的评分" not in page and "87.00" not in page and SECRET not in page and "赵乙" not in page
    body = api(expert_a.user).get(f"/api/review/assignments/{mine.pk}/").json()
    assert body["peers"] == [] and "87.00" not in str(body) and SECRET not in str(body)
    listed = api(expert_a.user).get(f"/api/review/assignments/?application={app1.pk}").json()["results"]
    assert [x["id"] for x in listed] == [mine.pk]
    assert api(expert_a.user).get(f"/api/review/assignments/{theirs.pk}/").status_code == 404

    score(mine, scores(60, 60, 6), recommendation="support_revised")  # 60.00
    page = text(client.get(f"/review/tasks/{mine.pk}/"))
    section = page[page.index("其他专家的评分（匿名）") :]
    assert "专家A" in section and "87.00" in section and "建议支持" in section
    assert "赵乙" not in page and SECRET not in page and "专家B" not in section
    body = api(expert_a.user).get(f"/api/review/assignments/{mine.pk}/").json()
    assert body["peers"] == [{"label": "专家A", "total": "87.00", "recommendation": "support"}]
    assert SECRET not in str(body) and "赵乙" not in str(body)


def test_peers_are_labelled_by_total_without_names(open_round, office, app1, expert_a, expert_b, expert_c):
    services.assign(open_round, actor=office, application=app1, expert=expert_c)
    score(assignment_of(open_round, app1, expert_b), scores(50, 50, 5), recommendation="not_support")
    score(assignment_of(open_round, app1, expert_c), scores(90, 90, 9))
    mine = assignment_of(open_round, app1, expert_a)
    assert services.peer_scores(mine) == []  # not yet submitted
    score(mine, scores(70, 70, 7))
    mine.refresh_from_db()
    assert [(p["label"], str(p["total"]), p["recommendation"]) for p in services.peer_scores(mine)] == [
        ("专家A", "90.00", "support"),
        ("专家B", "50.00", "not_support"),
    ]


def test_an_expert_never_reaches_results(open_round, office, app1, app2, expert_a, expert_b, client, api):
    def reachable():
        client.force_login(expert_a.user)
        for url in (
            f"/review/rounds/{open_round.pk}/",
            f"/review/rounds/{open_round.pk}/?export=xlsx",
            "/review/ranking/",
        ):
            assert client.get(url).status_code == 404, url
        c = api(expert_a.user)
        assert c.get("/api/review/results/").json()["results"] == []
        assert c.get(f"/api/review/rounds/{open_round.pk}/results/").json() == []
        year = open_round.call.fund_year.year
        assert c.get(f"/api/review/results/ranking/?year={year}&focus_area=key_rd").json() == []

    reachable()
    score(assignment_of(open_round, app1, expert_a), scores(90, 80, 9))
    score(assignment_of(open_round, app1, expert_b), scores(70, 60, 6))
    score(assignment_of(open_round, app2, expert_a), scores(50, 50, 5))
    services.close_round(open_round, actor=office)
    reachable()
    # their own application page takes them to their task, where the others stay anonymous
    client.force_login(expert_a.user)
    r = client.get(f"/review/applications/{app1.pk}/", follow=True)
    assert "赵乙" not in text(r) and "专家A" in text(r) and "65.00" in text(r)


def test_the_office_sees_every_score_with_its_calibration(
    open_round, office, app1, expert_a, expert_b, client
):
    score(assignment_of(open_round, app1, expert_a), scores(90, 80, 9), comment="甲意见")
    score(assignment_of(open_round, app1, expert_b), scores(70, 60, 6), comment="乙意见")
    client.force_login(office)
    page = text(client.get(f"/review/applications/{app1.pk}/"))
    for expected in ("王甲", "赵乙", "87.00", "65.00", "甲意见", "乙意见", "校准后得分", "样本不足"):
        assert expected in page, expected


# ---------------------------------------------------------------- 接受评审


def test_accept_then_score(open_round, office, app1, expert_a, client):
    a = assignment_of(open_round, app1, expert_a)
    client.force_login(expert_a.user)
    page = text(client.get(f"/review/tasks/{a.pk}/"))
    assert "接受评审" in page and f'action="/review/tasks/{a.pk}/accept/"' in page and "回避/拒绝评审" in page
    r = client.post(f"/review/tasks/{a.pk}/accept/", follow=True)
    assert "已接受该评审任务。" in text(r)
    a.refresh_from_db()
    assert a.state == "accepted" and a.accepted_at is not None
    page = text(r)
    assert "/accept/" not in page and 'name="score_innovation"' in page and "回避/拒绝评审" in page
    # an accepted task is still to score: on the task list and in the office's count
    listing = text(client.get("/review/tasks/"))
    assert listing.index("深远海养殖平台关键技术") < listing.index("已评分")
    with nothing_saved():
        r = client.post(f"/review/tasks/{a.pk}/accept/", follow=True)
    assert "您已接受该评审任务。" in text(r)
    client.force_login(office)
    assert "还有 3 项评审任务未评分" in text(client.get(f"/review/rounds/{open_round.pk}/"))
    client.force_login(expert_a.user)
    r = client.post(
        f"/review/tasks/{a.pk}/",
        {
            "score_innovation": "90",
            "score_feasibility": "80",
            "score_team": "9",
            "comment": "建议支持",
            "recommendation": "support",
        },
    )
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.state == "submitted" and str(a.total) == "87.00"
    assert "接受评审" not in text(client.get(f"/review/tasks/{a.pk}/"))


def test_accept_before_the_round_opens(draft_round, office, app1, expert_a, client):
    services.assign(draft_round, actor=office, application=app1, expert=expert_a)
    a = Assignment.objects.get()
    client.force_login(expert_a.user)
    client.post(f"/review/tasks/{a.pk}/accept/")
    page = text(client.get(f"/review/tasks/{a.pk}/"))
    assert "本轮评审尚未开始，开始后即可评分。" in page and "已接受" in page
    assert "评审尚未开始" in text(client.get("/review/tasks/"))
    assert AuditEvent.objects.filter(action="review.assignment.accepted").count() == 1


def test_another_experts_task_cannot_be_accepted(open_round, app1, expert_a, expert_b, client):
    theirs = assignment_of(open_round, app1, expert_b)
    client.force_login(expert_a.user)
    with nothing_saved():
        assert client.post(f"/review/tasks/{theirs.pk}/accept/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == "assigned"


def test_accept_through_the_api(open_round, app1, expert_a, expert_b, api):
    a = assignment_of(open_round, app1, expert_a)
    with nothing_saved():
        assert api(expert_b.user).post(f"/api/review/assignments/{a.pk}/accept/").status_code == 404
    r = api(expert_a.user).post(f"/api/review/assignments/{a.pk}/accept/")
    assert r.status_code == 200 and r.json()["state"] == "accepted" and r.json()["accepted_at"]
    with nothing_saved():
        r = api(expert_a.user).post(f"/api/review/assignments/{a.pk}/accept/")
    assert r.status_code == 400 and r.json()["detail"] == "您已接受该评审任务。"
