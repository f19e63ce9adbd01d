"""The web pages: the office runs a round end to end; an expert scores through "my review tasks";
refusals show their message and save nothing; scope gives 404 and a forbidden action 403."""

import pytest

from techfund.applications.models import Application
from techfund.review.models import Assignment, ReviewRound
from tests.review.conftest import assignment_of, make_expert, nothing_saved, score, scores


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def text(response) -> str:
    return response.content.decode()


# ---------------------------------------------------------------- the office


def test_office_creates_a_round_with_the_criteria_editor(call, office, as_user):
    c = as_user(office)
    page = text(c.get(f"/review/calls/{call.pk}/rounds/new/"))
    assert "评审要素与权重" in page and 'value="rationality"' in page  # suggested criteria
    data = {
        "name": "通讯评审",
        "method": "remote",
        "previous": "",
        "criteria_0_code": "innovation",
        "criteria_0_name": "创新性",
        "criteria_0_weight": "60",
        "criteria_0_max_score": "",
        "criteria_2_code": "feasibility",
        "criteria_2_name": "可行性",
        "criteria_2_weight": "30",
        "criteria_2_max_score": "50",
    }
    with nothing_saved():
        r = c.post(f"/review/calls/{call.pk}/rounds/new/", data)
    assert r.status_code == 200 and "各评审要素的权重之和应为 100，现为 90.00。" in text(r)
    data["criteria_2_weight"] = "四十"
    with nothing_saved():
        r = c.post(f"/review/calls/{call.pk}/rounds/new/", data)
    # the message sits next to the row it belongs to (the third row of the editor)
    assert "权重“四十”不是有效的数字。" in text(r)
    data["criteria_2_weight"] = "40"
    r = c.post(f"/review/calls/{call.pk}/rounds/new/", data)
    rnd = ReviewRound.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/review/rounds/{rnd.pk}/assign/"
    assert [(x.code, x.weight, x.max_score) for x in rnd.criteria.all()] == [
        ("innovation", 60, 100),
        ("feasibility", 40, 50),
    ]


def test_office_assigns_with_conflicts_shown_and_refused(
    draft_round, office, app1, app2, org_x, expert_a, as_user
):
    insider = make_expert(office, name="周戊", organisation=org_x)
    c = as_user(office)
    page = text(c.get(f"/review/rounds/{draft_round.pk}/assign/"))
    assert "A-0001" in page and "A-0002" in page
    assert "周戊（日照海工装备有限公司 · 教授 · 本轮 0/20） — 同单位，须回避" in page
    with nothing_saved():
        r = c.post(f"/review/rounds/{draft_round.pk}/assign/", {"application": app1.pk, "expert": insider.pk})
    assert r.status_code == 200
    assert (
        "回避：专家周戊的工作单位“日照海工装备有限公司”就是申报项目 A-0001 的申报单位，不能评审该项目。"
        in text(r)
    )
    r = c.post(f"/review/rounds/{draft_round.pk}/assign/", {"application": app1.pk, "expert": expert_a.pk})
    assert r.status_code == 302
    a = Assignment.objects.get()
    with nothing_saved():
        r = c.post(f"/review/assignments/{a.pk}/unassign/", {"reason": ""}, follow=True)
    assert "撤销评审任务须说明理由。" in text(r)
    r = c.post(f"/review/assignments/{a.pk}/unassign/", {"reason": "调整专家"}, follow=True)
    assert "已撤销专家王甲对 A-0001 的评审任务。" in text(r) and not Assignment.objects.exists()


def test_open_and_close_with_confirmation(draft_round, office, app1, expert_a, as_user):
    c = as_user(office)
    r = c.post(f"/review/rounds/{draft_round.pk}/open/", follow=True)
    assert "“通讯评审”还没有分配任何评审专家，不能开始评审。" in text(r)
    c.post(f"/review/rounds/{draft_round.pk}/assign/", {"application": app1.pk, "expert": expert_a.pk})
    page = text(c.get(f"/review/rounds/{draft_round.pk}/"))
    assert "确认开始评审？" in page and "data-confirm" in page
    c.post(f"/review/rounds/{draft_round.pk}/open/")
    assert Application.objects.get(pk=app1.pk).state == "in_review"
    page = text(c.get(f"/review/rounds/{draft_round.pk}/"))
    assert "还有 1 项评审任务未评分" in page
    r = c.post(f"/review/rounds/{draft_round.pk}/close/", follow=True)
    assert "以下申报项目还没有有效评审意见" in text(r)
    score(assignment_of(draft_round, app1, expert_a), scores(90, 80, 9))
    r = c.post(f"/review/rounds/{draft_round.pk}/close/", follow=True)
    page = text(r)
    assert "已结束，评审结果已汇总" in page and "87.00" in page and "建议支持" in page
    assert "结束评审并汇总结果" in page  # the trail


def test_round_list_call_page_and_ranking(
    open_round, office, leader, call, app1, app2, expert_a, expert_b, as_user
):
    score(assignment_of(open_round, app1, expert_a), scores(90, 80, 9))
    score(assignment_of(open_round, app1, expert_b), scores(70, 60, 6))
    score(assignment_of(open_round, app2, expert_a), scores(50, 50, 5))
    from techfund.review import services

    services.close_round(open_round, actor=office)
    c = as_user(leader)
    assert "通讯评审" in text(c.get("/review/rounds/"))
    assert "重点研发计划（海洋装备）" in text(c.get(f"/review/calls/{call.pk}/"))
    page = text(c.get(f"/review/ranking/?year={call.fund_year.year}&area=key_rd"))
    assert page.index("A-0001") < page.index("A-0002") and "76.00" in page and "不建议支持" in page
    assert c.get(f"/review/calls/{call.pk}/rounds/new/").status_code == 403  # the leader reads only
    assert c.post(f"/review/rounds/{open_round.pk}/assign/").status_code == 403


# ---------------------------------------------------------------- the expert


def test_expert_scores_from_my_tasks(open_round, app1, expert_a, as_user):
    c = as_user(expert_a.user)
    page = text(c.get("/review/tasks/"))
    assert "深远海养殖平台关键技术" in page and "港口智能调度系统" in page
    a = assignment_of(open_round, app1, expert_a)
    page = text(c.get(f"/review/tasks/{a.pk}/"))
    # the application's own content, one input per criterion, the live total and confirmation
    for expected in ("研究海洋装备关键部件的国产化替代", "试验台", "发明专利申请", "李研究", "研究员"):
        assert expected in page
    assert "370000199001011234" not in page  # never the team's ID numbers
    assert 'name="score_innovation"' in page and 'data-weight="50.00"' in page and "data-score-total" in page
    assert "确认提交评分？提交后不能修改。" in page
    with nothing_saved():
        r = c.post(
            f"/review/tasks/{a.pk}/",
            {
                "score_innovation": "90",
                "score_feasibility": "80",
                "score_team": "12",
                "comment": "",
                "recommendation": "",
            },
        )
    page = text(r)
    assert r.status_code == 200
    assert "“团队与基础”的得分应在 0 到 10.00 之间，收到 12。" in page and "请填写评审意见。" in page
    r = c.post(
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
    page = text(c.get(f"/review/tasks/{a.pk}/"))
    assert "我的评分（已提交，不能修改）" in page and "87.00" in page
    with nothing_saved():
        r = c.post(
            f"/review/tasks/{a.pk}/",
            {
                "score_innovation": "1",
                "score_feasibility": "1",
                "score_team": "1",
                "comment": "x",
                "recommendation": "support",
            },
            follow=True,
        )
    assert "您已提交该项目的评分，提交后不能修改。" in text(r)


def test_expert_declines(open_round, app2, expert_a, as_user):
    a = assignment_of(open_round, app2, expert_a)
    c = as_user(expert_a.user)
    with nothing_saved():
        r = c.post(f"/review/tasks/{a.pk}/decline/", {"reason": ""})
    assert "回避或拒绝评审须说明理由。" in text(r)
    r = c.post(f"/review/tasks/{a.pk}/decline/", {"reason": "与申报单位有合作"})
    assert r.status_code == 302
    page = text(c.get(f"/review/tasks/{a.pk}/"))
    assert "您已回避/拒绝该评审任务。理由：与申报单位有合作" in page
    assert "研究海洋装备关键部件的国产化替代" not in page  # the application is given back


def test_expert_a_cannot_see_expert_bs_task_or_other_applications(
    open_round, app1, app3, expert_a, expert_b, as_user
):
    b_task = assignment_of(open_round, app1, expert_b)
    c = as_user(expert_a.user)
    for url in (
        f"/review/tasks/{b_task.pk}/",
        f"/review/tasks/{b_task.pk}/decline/",
        f"/review/applications/{app3.pk}/",  # an application nobody gave them
        "/review/rounds/",
        f"/review/rounds/{open_round.pk}/",
        "/review/experts/new/",
        "/review/ranking/",
    ):
        assert c.get(url).status_code in (403, 404), url
    assert c.get(f"/review/tasks/{b_task.pk}/").status_code == 404
    assert c.get(f"/review/applications/{app3.pk}/").status_code == 404
    with nothing_saved():
        r = c.post(f"/review/tasks/{b_task.pk}/", {"score_innovation": "1", "comment": "x"})
        assert r.status_code == 404
    # their own application page takes them to their task; B's name never appears
    r = c.get(f"/review/applications/{app1.pk}/")
    assert (
        r.status_code == 302
        and r["Location"] == f"/review/tasks/{assignment_of(open_round, app1, expert_a).pk}/"
    )
    assert "赵乙" not in text(c.get(r["Location"]))
    assert "赵乙" not in text(c.get("/review/tasks/"))


def test_applicant_sees_the_aggregate_only_once_closed(
    open_round, office, applicant_x, app1, app2, expert_a, expert_b, as_user
):
    c = as_user(applicant_x)
    page = text(c.get(f"/review/applications/{app1.pk}/"))
    assert "评审尚未结束" in page and "王甲" not in page
    assert c.get(f"/review/applications/{app2.pk}/").status_code == 404  # not their organisation's
    for url in ("/review/tasks/", "/review/rounds/", f"/review/rounds/{open_round.pk}/", "/review/experts/"):
        assert c.get(url).status_code in (403, 404), url
    score(assignment_of(open_round, app1, expert_a), scores(90, 80, 9))
    score(assignment_of(open_round, app1, expert_b), scores(70, 60, 6))
    score(assignment_of(open_round, app2, expert_a), scores(50, 50, 5))
    from techfund.review import services

    services.close_round(open_round, actor=office)
    page = text(c.get(f"/review/applications/{app1.pk}/"))
    assert "76.00" in page and "修改后支持" in page
    assert "王甲" not in page and "赵乙" not in page and "87.00" not in page  # no expert, no single score


def test_office_sees_every_score_of_an_application(open_round, office, app1, expert_a, expert_b, as_user):
    score(assignment_of(open_round, app1, expert_a), scores(90, 80, 9))
    page = text(as_user(office).get(f"/review/applications/{app1.pk}/"))
    assert "王甲" in page and "赵乙" in page and "87.00" in page and "创新性 90.00" in page


def test_expert_pool_pages(office, auditor, expert, as_user):
    c = as_user(office)
    assert "专家入库" in text(c.get("/review/experts/"))
    page = text(c.get("/review/experts/new/"))
    assert expert.username in page
    with nothing_saved():
        r = c.post("/review/experts/new/", {"user": expert.pk, "name": "", "max_load": "0"})
    assert r.status_code == 200
    r = c.post(
        "/review/experts/new/",
        {
            "user": expert.pk,
            "name": "钱丁",
            "organisation_name": "山东大学",
            "keywords": "海洋，装备",
            "max_load": "10",
        },
    )
    assert r.status_code == 302
    ex = expert.expert_profile
    assert ex.keywords == ["海洋", "装备"]
    r = c.post(
        f"/review/experts/{ex.pk}/edit/",
        {"name": "钱丁", "status": "suspended", "status_reason": "多次无故拒评", "max_load": "10"},
    )
    assert r.status_code == 302
    ex.refresh_from_db()
    assert ex.status == "suspended"
    a = as_user(auditor)
    assert "钱丁" in text(a.get("/review/experts/")) and a.get("/review/experts/new/").status_code == 403
