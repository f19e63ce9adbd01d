"""Home page: an expert's tasks to score; the office's calls awaiting review and rounds in progress."""

from tests.review.conftest import assignment_of, score, scores


def test_expert_home_lists_tasks_to_score(open_round, app1, expert_a, expert_c, client):
    client.force_login(expert_a.user)
    page = client.get("/").content.decode()
    assert "待评分" in page and "深远海养殖平台关键技术" in page and "我的评审任务" in page
    a = assignment_of(open_round, app1, expert_a)
    assert f"/review/tasks/{a.pk}/" in page
    score(a, scores(80, 80, 8))
    page = client.get("/").content.decode()
    assert "深远海养殖平台关键技术" not in page and "港口智能调度系统" in page
    client.force_login(expert_c.user)
    assert "待评分" not in client.get("/").content.decode()


def test_office_home(call, office, app1, app2, client):
    client.force_login(office)
    page = client.get("/").content.decode()
    assert "形式审查通过，待组织专家评审" in page and "2 个申报项目" in page
    assert "/review/rounds/" in page and "评审专家库" in page


def test_office_home_rounds_in_progress(open_round, office, client):
    client.force_login(office)
    page = client.get("/").content.decode()
    assert "重点研发计划（海洋装备） · 通讯评审" in page and "已评分 0 / 3" in page
