"""Assignment plans: created with checked parameters, computed in the background (eagerly here),
never proposing a conflicted pair, over-loading an expert, exceeding k or doubling an organisation;
random plans reproducible from their seed; released all or nothing; stale plans refused."""

import pytest

from techfund.applications.models import Application
from techfund.core.errors import NotAllowed, NotVisible, ServiceError
from techfund.core.models import AuditEvent, Job
from techfund.review import engine, services
from techfund.review.models import Assignment, AssignmentPlan, ConflictFinding, ReviewRound
from techfund.review.services import plans
from tests.review.conftest import make_expert
from tests.review.plans.conftest import assert_valid, pairs_of, plan_counts

# ---------------------------------------------------------------- computing


def test_an_optimal_plan_fills_every_seat_within_the_rules(world, make_plan):
    plan = make_plan("optimal")
    assert plan.state == "ready" and plan.seed is None and plan.reviewers_per_application == 3
    pairs = pairs_of(plan)
    assert len(pairs) == 12  # 4 applications × 3
    assert_valid(plan)
    a1 = world.apps[0]
    zhou, wang, li = (world.experts[n] for n in ("周戊", "王甲", "李丁"))
    assert (a1.pk, zhou.pk) not in pairs  # his own organisation's application
    for app in world.apps:  # 王甲 and 李丁 (山东大学) never on one application together
        assert not {(app.pk, wang.pk), (app.pk, li.pk)} <= set(pairs)
    # the conflict found is stored with the round, for the conflicts page
    finding = ConflictFinding.objects.get(round=world.round, application=a1, expert=zhou)
    assert finding.rule == "same_entity" and "周戊" in finding.reason
    s = plan.stats
    assert (s["applications"], s["applications_planned"], s["experts"], s["seats"], s["filled"]) == (
        4,
        4,
        7,
        12,
        12,
    )
    assert s["unfilled"] == [] and s["conflicts_excluded"] >= 1 and s["mode"] == "optimal"
    assert s["affinity"]["total"] == pytest.approx(
        sum(plan.pairs.values_list("affinity", flat=True)), abs=1e-4
    )
    assert set(s["seconds"]) == {"load", "conflicts", "affinity", "solve", "save"}
    # the job ended done, at 100 %, pointing at the plan
    job = Job.objects.get(pk=plan.job_id)
    assert job.state == "done" and job.percent == 100 and job.kind == "review.plan"
    assert (
        job.result["url"] == f"/review/plans/{plan.pk}/" and job.target == f"review.assignmentplan:{plan.pk}"
    )
    assert AuditEvent.objects.filter(action="review.plan.computed", target_id=str(plan.pk)).exists()


def test_the_optimal_plan_picks_the_closest_experts(world, make_plan):
    plan = make_plan("optimal")
    # the desalination application gets both membrane experts (the highest affinities)
    a3 = world.apps[2]
    chosen = set(plan.pairs.filter(application=a3).values_list("expert__name", flat=True))
    assert {"吴己", "郑庚"} <= chosen


def test_a_random_plan_is_reproducible_from_its_seed(world, make_plan):
    first = make_plan("random", seed=20260501)
    assert first.state == "ready" and first.seed == 20260501
    assert_valid(first)
    again = make_plan("random", seed=20260501)
    assert pairs_of(again) == pairs_of(first) and len(pairs_of(first)) == 12
    other = make_plan("random")  # a seed is drawn and recorded
    assert other.seed is not None and 0 <= other.seed < 2**48
    assert_valid(other)


def test_a_random_plan_prefers_experts_of_the_applications_subject(world, make_plan):
    plan = make_plan("random", seed=7)
    a1, a2, a3, a4 = world.apps
    names = lambda app: set(plan.pairs.filter(application=app).values_list("expert__name", flat=True))  # noqa: E731
    # E05 (desalination): 吴己 (E05) and 郑庚 (E0501) match; the third seat falls back to the pool
    assert {"吴己", "郑庚"} <= names(a3)
    # F0102 (A-0001): 王甲/李丁 (F01 ⊃ F0102, one university: one of them) and 赵乙 (F0102) match;
    # 周戊 conflicts; so the third seat falls back to the pool too
    assert "赵乙" in names(a1) and len(names(a1) & {"王甲", "李丁"}) == 1
    assert sorted(plan.stats["subject_fallback"]) == ["A-0001", "A-0002", "A-0003"]
    assert plan.stats["no_subject_code"] == ["A-0004"]
    assert len(names(a4)) == 3


def test_the_subject_codes_match_by_prefix():
    assert plans.subjects_match("A0102", ["A01"]) and plans.subjects_match("a01", [" A0102 "])
    assert not plans.subjects_match("A02", ["A01"]) and not plans.subjects_match("", ["A01"])
    assert not plans.subjects_match("A01", [])


def test_applications_already_holding_experts_get_only_their_missing_seats(world, make_plan, office):
    a1, a2 = world.apps[:2]
    zhao, wang = world.experts["赵乙"], world.experts["王甲"]
    services.assign(world.round, actor=office, application=a1, expert=zhao)
    services.assign(world.round, actor=office, application=a2, expert=wang)
    plan = make_plan("optimal")
    assert plan.stats["seats"] == 10 and plan.stats["filled"] == 10
    assert plan.pairs.filter(application=a1).count() == 2
    assert not plan.pairs.filter(application=a1, expert=zhao).exists()
    # 王甲 holds A-0002 already: 李丁 (same university) is not added to it, and 王甲 keeps 2 seats at most
    assert not plan.pairs.filter(application=a2, expert=world.experts["李丁"]).exists()
    assert plan.pairs.filter(expert=wang).count() <= 2


def test_seats_nobody_can_fill_are_reported(world, make_plan, office):
    for name in ("王甲", "李丁", "赵乙", "孙丙", "周戊", "吴己"):
        services.set_status(world.experts[name], actor=office, status="suspended", reason="暂停一轮")
    plan = make_plan("optimal")  # only 郑庚 is left, at most 3 applications
    assert plan.state == "ready" and plan.stats["filled"] == 3 and plan.stats["experts"] == 1
    unfilled = {u["number"]: u for u in plan.stats["unfilled"]}
    assert set(unfilled) == {"A-0001", "A-0002", "A-0003", "A-0004"}
    assert all(u["reason"] in ("too_few_candidates", "no_candidates") for u in unfilled.values())
    assert sum(u["missing"] for u in unfilled.values()) == 9


def test_k_defaults_to_the_round_then_the_policy(world, make_plan):
    plan = make_plan("optimal", k=None)
    assert plan.reviewers_per_application == 3  # rizhao: review.min_remote_reviewers
    ReviewRound.objects.filter(pk=world.round.pk).update(reviewers_per_application=4)
    assert make_plan("optimal", k="").reviewers_per_application == 4


def test_fairness_is_recorded_and_the_plan_still_valid(world, make_plan):
    plan = make_plan("optimal", fairness=True)
    assert plan.fairness and plan.state == "ready" and len(pairs_of(plan)) == 12
    assert_valid(plan)


def test_the_creation_is_audited(world, make_plan):
    plan = make_plan("random", seed=42)
    ev = AuditEvent.objects.get(action="review.plan.created")
    assert ev.target_id == str(plan.pk) and ev.role == "office"
    assert ev.after == {
        "round": world.round.pk,
        "mode": "random",
        "seed": 42,
        "fairness": False,
        "reviewers_per_application": 3,
        "job": plan.job_id,
    }


@pytest.mark.parametrize(
    ("kw", "errors"),
    [
        ({"mode": "lottery"}, {"mode": ["请选择遴选方式（随机抽取或最优匹配）。"]}),
        ({"mode": "optimal", "k": 2}, {"k": ["通讯评审每个项目至少须有 3 名专家（政策规定），收到 2。"]}),
        ({"mode": "optimal", "k": "三"}, {"k": ["每项专家人数须为 1 到 20 之间的整数，收到“三”。"]}),
        ({"mode": "optimal", "seed": 5}, {"seed": ["最优匹配不使用随机种子。"]}),
        ({"mode": "random", "seed": -1}, {"seed": ["随机种子须为非负整数（最多 18 位），收到“-1”。"]}),
        ({"mode": "random", "fairness": True}, {"fairness": ["“兼顾最弱项目”只适用于最优匹配。"]}),
    ],
)
def test_bad_parameters_are_refused(world, office, kw, errors):
    before = plan_counts()
    with pytest.raises(ServiceError) as exc:
        plans.create_plan(world.round, actor=office, **{"k": 3, **kw})
    assert exc.value.errors == errors and exc.value.message == next(iter(errors.values()))[0]
    assert plan_counts() == before


def test_several_bad_parameters_are_summarised(world, office):
    with pytest.raises(ServiceError) as exc:
        plans.create_plan(world.round, actor=office, mode="x", k=0)
    assert exc.value.message == "分配方案的参数有误，请按提示修改。" and set(exc.value.errors) == {
        "mode",
        "k",
    }


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("expert", NotVisible),
        ("applicant", NotVisible),
        ("officer", NotVisible),
        ("leader", NotAllowed),
        ("auditor", NotAllowed),
    ],
)
def test_only_the_office_creates_plans(world, who, error, request):
    before = plan_counts()
    with pytest.raises(error):
        plans.create_plan(world.round, actor=request.getfixturevalue(who), mode="optimal", k=3)
    assert plan_counts() == before


def test_no_plan_for_a_closed_round_or_a_meeting_round(world, office, call):
    ReviewRound.objects.filter(pk=world.round.pk).update(state="closed", closed_at="2026-01-01T00:00:00Z")
    with pytest.raises(ServiceError) as exc:
        plans.create_plan(world.round, actor=office, mode="optimal", k=3)
    assert exc.value.message == "“通讯评审”已结束，不能再生成专家分配方案。"
    meeting = services.create_round(
        call,
        actor=office,
        name="会议论证",
        method="meeting",
        criteria=[{"code": "all", "name": "综合", "weight": 100}],
    )
    with pytest.raises(ServiceError) as exc:
        plans.create_plan(meeting, actor=office, mode="optimal", k=3)
    assert exc.value.message == "会议论证轮次由专家组评审，不使用专家分配方案。"


def test_one_plan_computes_at_a_time(world, office, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # its job never runs: still queued
        first = plans.create_plan(world.round, actor=office, mode="optimal", k=3)
    with pytest.raises(ServiceError) as exc:
        plans.create_plan(world.round, actor=office, mode="random", k=3)
    assert exc.value.message == f"本轮的分配方案 #{first.pk} 正在计算，请等待其完成或作废后再生成。"
    plans.discard_plan(first, actor=office, reason="参数填错")
    with django_capture_on_commit_callbacks(execute=False):
        plans.create_plan(world.round, actor=office, mode="random", k=3)


def test_a_failing_computation_fails_the_job_and_the_plan(world, office, run_jobs, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("求解器内存不足")

    monkeypatch.setattr(engine, "solve_optimal", broken)
    with run_jobs():
        plan = plans.create_plan(world.round, actor=office, mode="optimal", k=3)
    plan.refresh_from_db()
    job = Job.objects.get(pk=plan.job_id)
    assert (
        job.state == "failed"
        and job.error == "后台任务出错（RuntimeError）：求解器内存不足。详细信息已记入系统日志。"
    )
    assert plan.state == "failed" and plan.note == job.error[:300] and not plan.pairs.exists()
    assert job.message == "求解分配方案"  # where it stopped
    assert AuditEvent.objects.filter(action="review.plan.failed", target_id=str(plan.pk)).exists()
    # a failed plan does not block a new one, and may be discarded
    plans.discard_plan(plan, actor=office, reason="计算失败")
    with run_jobs():
        again = plans.create_plan(world.round, actor=office, mode="random", k=3, seed=1)
    again.refresh_from_db()
    assert again.state == "ready"


# ---------------------------------------------------------------- release


def test_release_creates_the_assignments(world, make_plan, office):
    plan = make_plan("optimal")
    spare = make_plan("random", seed=3)
    planned = {(p.application_id, p.expert_id): p.affinity for p in plan.pairs.all()}
    plans.release_plan(plan, actor=office)
    plan.refresh_from_db()
    assert plan.state == "released" and plan.decided_by == office and plan.decided_at is not None
    rows = Assignment.objects.filter(round=world.round)
    assert {(a.application_id, a.expert_id): a.affinity for a in rows} == planned
    assert all(a.plan_id == plan.pk and a.assigned_by == office and a.state == "assigned" for a in rows)
    r = ReviewRound.objects.get(pk=world.round.pk)
    assert r.assignment_mode == "optimal" and r.released_at is not None
    # draft round: applications enter review when the round opens
    assert set(
        Application.objects.filter(pk__in=[a.pk for a in world.apps]).values_list("state", flat=True)
    ) == {"formal_passed"}
    ev = AuditEvent.objects.get(action="review.plan.released")
    assert ev.target_id == str(plan.pk) and ev.role == "office"
    assert ev.data["assignments"] == 12 and ev.data["applications"] == 4
    assert ev.data["digest"] == plans.pairs_digest(planned) and len(ev.data["digest"]) == 64
    assert ev.data["discarded_plans"] == [spare.pk]
    spare.refresh_from_db()
    assert spare.state == "discarded" and spare.note == f"已发布方案 #{plan.pk}，本方案自动作废。"
    # one released plan per round; no new plan after it
    with pytest.raises(ServiceError) as exc:
        plans.create_plan(world.round, actor=office, mode="random", k=3)
    assert exc.value.code == "plan_already_released"


def test_release_in_an_open_round_puts_the_applications_in_review(world, make_plan, office):
    a1 = world.apps[0]
    services.assign(world.round, actor=office, application=a1, expert=world.experts["赵乙"])
    services.open_round(world.round, actor=office)
    plan = make_plan("optimal")
    plans.release_plan(plan, actor=office)
    states = set(
        Application.objects.filter(pk__in=[a.pk for a in world.apps]).values_list("state", flat=True)
    )
    assert states == {"in_review"}
    entered = AuditEvent.objects.get(action="review.plan.released").data["entered_review"]
    assert sorted(entered) == ["A-0002", "A-0003", "A-0004"]  # A-0001 was in review already
    assert AuditEvent.objects.filter(
        action="review.application.entered", target_id=str(world.apps[1].pk)
    ).exists()


def test_a_stale_plan_is_refused_whole(world, make_plan, office):
    plan = make_plan("optimal")
    wang = world.experts["王甲"]
    on = list(plan.pairs.filter(expert=wang).values_list("application__number", flat=True))
    assert on  # 王甲 is in the plan
    services.set_status(wang, actor=office, status="banned", reason="严重失信")
    before = plan_counts()
    with pytest.raises(ServiceError) as exc:
        plans.release_plan(plan, actor=office)
    assert exc.value.code == "plan_stale"
    assert "专家王甲已不在可抽取的专家范围内（暂停、禁入、账号停用或不在评审时段）" in exc.value.message
    assert exc.value.message.startswith("方案计算后专家库或分配情况已有变化，方案已过时，未发布：")
    assert exc.value.message.endswith("请作废本方案后重新生成。")
    assert plan_counts() == before and AssignmentPlan.objects.get(pk=plan.pk).state == "ready"


def test_a_new_conflict_or_a_manual_assignment_makes_the_plan_stale(world, make_plan, office, applicant_x):
    plan = make_plan("optimal")
    a1 = world.apps[0]
    first = plan.pairs.filter(application=a1).select_related("expert").first()
    services.add_exclusion(a1, actor=applicant_x, name=first.expert.name, reason="曾有学术争议")
    # someone is assigned by hand meanwhile: A-0002 would get 4 experts
    a2 = world.apps[1]
    extra = next(
        e
        for e in world.experts.values()
        if not plan.pairs.filter(application=a2, expert=e).exists() and e.name != "周戊"
    )
    services.assign(world.round, actor=office, application=a2, expert=extra)
    with pytest.raises(ServiceError) as exc:
        plans.release_plan(plan, actor=office)
    problems = exc.value.errors["plan"]
    assert any(p.startswith(f"专家{first.expert.name}与申报项目 A-0001 存在回避情形：") for p in problems)
    assert "申报项目 A-0002 的评审专家将达 4 名，超过每项 3 名" in problems
    assert Assignment.objects.filter(plan=plan).count() == 0


def test_release_is_office_only_and_once(world, make_plan, office, leader, expert):
    plan = make_plan("optimal")
    with pytest.raises(NotAllowed):
        plans.release_plan(plan, actor=leader)
    with pytest.raises(NotVisible):
        plans.release_plan(plan, actor=expert)
    plans.release_plan(plan, actor=office)
    with pytest.raises(ServiceError) as exc:
        plans.release_plan(plan, actor=office)
    assert exc.value.message == "当前状态为“已发布”，不能变更为“已发布”。"


def test_discard_needs_a_reason(world, make_plan, office):
    plan = make_plan("optimal")
    with pytest.raises(ServiceError) as exc:
        plans.discard_plan(plan, actor=office, reason=" ")
    assert (
        exc.value.message == "作废分配方案须说明理由。"
        and AssignmentPlan.objects.get(pk=plan.pk).state == "ready"
    )
    plans.discard_plan(plan, actor=office, reason="专家库尚未更新完毕")
    plan.refresh_from_db()
    assert plan.state == "discarded" and plan.note == "专家库尚未更新完毕" and plan.decided_by == office
    ev = AuditEvent.objects.get(action="review.plan.discarded")
    assert ev.reason == "专家库尚未更新完毕" and ev.before == {"state": "ready"}
    with pytest.raises(ServiceError) as exc:
        plans.release_plan(plan, actor=office)
    assert exc.value.message == "当前状态为“已作废”，不能变更为“已发布”。"


def test_a_plan_discarded_while_computing_stays_discarded(world, office, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        plan = plans.create_plan(world.round, actor=office, mode="optimal", k=3)
    plans.discard_plan(plan, actor=office, reason="参数填错")
    for cb in callbacks:  # the job runs after all
        cb()
    plan.refresh_from_db()
    assert plan.state == "discarded" and not plan.pairs.exists()
    assert Job.objects.get(pk=plan.job_id).result == {"plan": plan.pk, "skipped": "discarded"}


def test_a_bigger_pool_draws_within_the_rules(call, office, run_jobs):
    """Twelve applications, fifteen experts in five organisations, k=3: both modes valid."""
    from tests import factories
    from tests.review.conftest import make_application

    orgs = [factories.organisation(name=f"研究院{i}") for i in range(5)]
    for i in range(15):
        make_expert(office, organisation=orgs[i % 5], subjects=[f"F0{i % 3}"], keywords=["海洋"], max_load=3)
    for _ in range(12):
        make_application(call)
    r = services.create_round(
        call,
        actor=office,
        name="大轮次",
        method="remote",
        criteria=[{"code": "all", "name": "综合", "weight": 100}],
    )
    for mode in ("optimal", "random"):
        with run_jobs():
            plan = plans.create_plan(r, actor=office, mode=mode, k=3)
        plan.refresh_from_db()
        assert plan.state == "ready" and plan.stats["filled"] == 36
        assert_valid(plan)
        plans.discard_plan(plan, actor=office, reason="试算")
