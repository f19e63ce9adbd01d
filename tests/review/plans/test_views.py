"""Plan pages and API: the round's section, generating a plan (progress bar, then its figures),
release and discard, the Excel export, the expert's accept button; who may see and act."""

import io

import pytest
from openpyxl import load_workbook

from techfund.core.models import AuditEvent, Job
from techfund.review.models import Assignment, AssignmentPlan
from techfund.review.services import plans
from tests.review.plans.conftest import plan_counts


@pytest.fixture
def ready_plan(make_plan):
    return make_plan("optimal")


def test_the_round_page_links_to_its_plans(world, client, office, ready_plan):
    client.force_login(office)
    html = client.get(f"/review/rounds/{world.round.pk}/").content.decode()
    assert "专家分配方案" in html and f'href="/review/rounds/{world.round.pk}/plans/"' in html
    assert f'href="/review/plans/{ready_plan.pk}/"' in html and "待确认" in html


def test_generate_a_plan_from_the_form(world, client, office, run_jobs):
    client.force_login(office)
    url = f"/review/rounds/{world.round.pk}/plans/"
    page = client.get(url).content.decode()
    assert 'name="mode"' in page and 'name="seed"' in page and 'value="3"' in page  # k from the policy
    with run_jobs():
        r = client.post(url, {"mode": "random", "k": "3", "seed": "2026"})
    plan = AssignmentPlan.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/review/plans/{plan.pk}/"
    assert plan.mode == "random" and plan.seed == 2026 and plan.created_by == office
    html = client.get(r["Location"]).content.decode()
    assert "应配 12 席，已配 12 席" in html
    assert f'href="/review/rounds/{world.round.pk}/conflicts/"' in html  # conflicts excluded, linked
    assert (
        "A-0001" in html
        and "确认发布" in html
        and 'data-confirm="确认发布本方案？将生成 12 项评审任务' in html
    )


def test_a_refused_form_shows_the_message_and_saves_nothing(world, client, office):
    client.force_login(office)
    before = plan_counts()
    r = client.post(f"/review/rounds/{world.round.pk}/plans/", {"mode": "optimal", "k": "2"})
    assert (
        r.status_code == 200
        and "通讯评审每个项目至少须有 3 名专家（政策规定），收到 2。" in r.content.decode()
    )
    assert plan_counts() == before


def test_a_computing_plan_shows_a_polling_progress_bar(
    world, client, office, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        plan = plans.create_plan(world.round, actor=office, mode="optimal", k=3)
    Job.objects.filter(pk=plan.job_id).update(state="running", done=40, total=100, message="求解分配方案")
    client.force_login(office)
    html = client.get(f"/review/plans/{plan.pk}/").content.decode()
    assert f'hx-get="/jobs/{plan.job_id}/progress/?then=reload"' in html and 'hx-trigger="every 1s"' in html
    assert '<progress max="100" value="40"' in html and "求解分配方案" in html
    assert f'href="/review/plans/{plan.pk}/"' in html  # refresh without JavaScript


def test_release_and_discard_from_the_page(world, client, office, ready_plan, make_plan):
    client.force_login(office)
    other = make_plan("random", seed=5)
    r = client.post(f"/review/plans/{other.pk}/discard/", {"reason": ""})
    assert r.status_code == 302 and AssignmentPlan.objects.get(pk=other.pk).state == "ready"
    msgs = [str(m) for m in r.wsgi_request._messages]
    assert msgs == ["作废分配方案须说明理由。"]
    client.post(f"/review/plans/{other.pk}/discard/", {"reason": "改用最优匹配"})
    assert AssignmentPlan.objects.get(pk=other.pk).state == "discarded"
    r = client.post(f"/review/plans/{ready_plan.pk}/release/")
    assert r.status_code == 302 and r["Location"] == f"/review/rounds/{world.round.pk}/"
    assert Assignment.objects.filter(plan=ready_plan).count() == 12
    assert f"分配方案 #{ready_plan.pk} 已发布，已生成 12 项评审任务。" in [
        str(m) for m in r.wsgi_request._messages
    ]


def test_the_excel_export(world, client, office, ready_plan):
    client.force_login(office)
    r = client.get(f"/review/plans/{ready_plan.pk}/export/")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert r["X-Rows"] == "12"
    wb = load_workbook(io.BytesIO(r.content))
    rows = list(wb["分配方案"].iter_rows(values_only=True))
    assert (
        rows[0][:5] == ("申报编号", "项目名称", "申报单位", "学科/领域代码", "评审专家") and len(rows) == 13
    )
    cover = dict(wb["导出说明"].iter_rows(values_only=True))
    assert cover["方案指纹（SHA-256）"] == plans.pairs_digest(
        ready_plan.pairs.values_list("application_id", "expert_id")
    )
    assert AuditEvent.objects.filter(action="review.plan.exported", target_id=str(ready_plan.pk)).exists()


@pytest.mark.parametrize("who", ["expert", "applicant", "officer"])
def test_plans_are_not_found_by_others(who, request, client, world, ready_plan):
    client.force_login(request.getfixturevalue(who))
    for url in (
        f"/review/rounds/{world.round.pk}/plans/",
        f"/review/plans/{ready_plan.pk}/",
        f"/review/plans/{ready_plan.pk}/export/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/review/plans/{ready_plan.pk}/release/").status_code == 404
    assert client.get("/api/review/plans/").json()["results"] == []
    assert client.get(f"/api/review/plans/{ready_plan.pk}/").status_code == 404


@pytest.mark.parametrize("who", ["leader", "auditor"])
def test_readers_read_but_do_not_act(who, request, client, world, ready_plan):
    client.force_login(request.getfixturevalue(who))
    assert client.get(f"/review/plans/{ready_plan.pk}/").status_code == 200
    assert client.get(f"/review/plans/{ready_plan.pk}/export/").status_code == 200
    before = plan_counts()
    assert (
        client.post(f"/review/rounds/{world.round.pk}/plans/", {"mode": "random", "k": "3"}).status_code
        == 403
    )
    assert client.post(f"/review/plans/{ready_plan.pk}/release/").status_code == 403
    assert client.post(f"/review/plans/{ready_plan.pk}/discard/", {"reason": "x"}).status_code == 403
    assert client.post("/api/review/plans/", {"round": world.round.pk, "mode": "random"}).status_code == 403
    assert plan_counts() == before


def test_the_expert_accepts_from_the_task_page(world, client, ready_plan, office):
    plans.release_plan(ready_plan, actor=office)
    task = Assignment.objects.select_related("expert__user").filter(plan=ready_plan).first()
    other = Assignment.objects.select_related("expert__user").exclude(expert=task.expert).first()
    client.force_login(other.expert.user)
    assert client.post(f"/review/tasks/{task.pk}/accept/").status_code == 404
    client.force_login(task.expert.user)
    r = client.post(f"/review/tasks/{task.pk}/accept/")
    assert r.status_code == 302 and r["Location"] == f"/review/tasks/{task.pk}/"
    task.refresh_from_db()
    assert task.state == "accepted"


# ---------------------------------------------------------------- API


def test_the_plan_api(world, client, office, run_jobs):
    client.force_login(office)
    with run_jobs():
        r = client.post(
            "/api/review/plans/",
            {"round": world.round.pk, "mode": "optimal", "k": 3},
            content_type="application/json",
        )
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["state"] == "computing" and data["job"]["state"] == "queued"  # as answered, before the commit
    plan_id, job_id = data["id"], data["job"]["id"]
    job = client.get(f"/api/jobs/{job_id}/").json()
    assert job["state"] == "done" and job["percent"] == 100 and job["result"]["plan"] == plan_id
    assert client.get(f"/jobs/{job_id}/status/").json()["finished"] is True
    got = client.get(f"/api/review/plans/{plan_id}/").json()
    assert got["state"] == "ready" and got["stats"]["filled"] == 12
    assert [p["id"] for p in client.get(f"/api/review/plans/?round={world.round.pk}").json()["results"]] == [
        plan_id
    ]
    pairs = client.get(f"/api/review/plans/{plan_id}/pairs/").json()["results"]
    assert len(pairs) == 12 and {"application_number", "expert_name", "affinity"} <= set(pairs[0])
    r = client.post(f"/api/review/plans/{plan_id}/release/")
    assert r.status_code == 200 and r.json()["state"] == "released"
    r = client.post(f"/api/review/plans/{plan_id}/discard/", {"reason": "x"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["detail"] == "当前状态为“已发布”，不能变更为“已作废”。"


def test_the_plan_api_refuses_with_the_services_messages(world, client, office):
    client.force_login(office)
    r = client.post(
        "/api/review/plans/",
        {"round": world.round.pk, "mode": "optimal", "seed": "5"},
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["errors"] == {"seed": ["最优匹配不使用随机种子。"]}


def test_accept_through_the_api(world, client, office, ready_plan):
    plans.release_plan(ready_plan, actor=office)
    task = Assignment.objects.select_related("expert__user").filter(plan=ready_plan).first()
    client.force_login(task.expert.user)
    r = client.post(f"/api/review/assignments/{task.pk}/accept/")
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    assert (
        client.post(f"/api/review/assignments/{task.pk}/accept/").json()["detail"] == "您已接受该评审任务。"
    )
    client.force_login(office)
    assert client.post(f"/api/review/assignments/{task.pk}/accept/").status_code == 403


def test_jobs_of_others_are_not_found_in_the_api(world, client, expert, ready_plan):
    client.force_login(expert)
    assert client.get(f"/api/jobs/{ready_plan.job_id}/").status_code == 404
