from decimal import Decimal

import pytest

from techfund.applications.models import Application
from techfund.core.errors import NotAllowed, NotVisible, ServiceError
from techfund.core.models import AuditEvent
from techfund.review import services
from techfund.review.models import Assignment, Score
from tests.review.conftest import (
    assignment_of,
    make_application,
    make_call,
    make_expert,
    nothing_saved,
    score,
    scores,
)

# ---------------------------------------------------------------- assign


def test_assign_in_a_draft_round(draft_round, office, app1, expert_a):
    a = services.assign(draft_round, actor=office, application=app1, expert=expert_a)
    assert a.state == "assigned" and a.assigned_by == office
    assert Application.objects.get(pk=app1.pk).state == "formal_passed"  # in review once the round opens
    ev = AuditEvent.objects.get(action="review.assignment.created")
    assert (
        ev.role == "office"
        and ev.after["expert_name"] == "王甲"
        and ev.after["application_number"] == "A-0001"
    )


def test_assign_in_an_open_round_puts_the_application_in_review(open_round, office, app3, expert_b):
    services.assign(open_round, actor=office, application=app3, expert=expert_b)
    assert Application.objects.get(pk=app3.pk).state == "in_review"


def test_an_expert_of_the_applicants_organisation_is_refused(draft_round, office, app1, org_x):
    insider = make_expert(office, name="周戊", organisation=org_x)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.assign(draft_round, actor=office, application=app1, expert=insider)
    msg = "回避：专家周戊的工作单位“日照海工装备有限公司”就是申报项目 A-0001 的申报单位，不能评审该项目。"
    assert exc.value.message == msg and exc.value.code == "conflict_same_organisation"
    assert exc.value.errors == {"expert": [msg]}


def test_the_same_organisation_by_name_is_refused_too(draft_round, office, app1):
    insider = make_expert(office, name="吴己", organisation_name="日照海工装备有限公司")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.assign(draft_round, actor=office, application=app1, expert=insider)
    assert exc.value.code == "conflict_same_organisation"


def test_a_suspended_expert_is_refused(draft_round, office, app1, expert_a):
    services.set_status(expert_a, actor=office, status="suspended", reason="违反评审纪律")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.assign(draft_round, actor=office, application=app1, expert=expert_a)
    assert exc.value.message == "专家王甲当前为“暂停”，不能分配评审任务。"


def test_assigning_twice_is_refused(draft_round, office, app1, expert_a):
    services.assign(draft_round, actor=office, application=app1, expert=expert_a)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.assign(draft_round, actor=office, application=app1, expert=expert_a)
    assert exc.value.message == "专家王甲已分配评审申报项目 A-0001。"


def test_a_declined_expert_is_not_assigned_again(open_round, office, app1, expert_a):
    services.decline(assignment_of(open_round, app1, expert_a), actor=expert_a.user, reason="回避")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.assign(open_round, actor=office, application=app1, expert=expert_a)
    assert exc.value.message == "专家王甲已对申报项目 A-0001 回避/拒绝评审，不能再次分配。"


def test_the_load_limit(draft_round, office, call):
    busy = make_expert(office, name="郑庚", max_load=2)
    first, second, third = (make_application(call) for _ in range(3))
    services.assign(draft_round, actor=office, application=first, expert=busy)
    a2 = services.assign(draft_round, actor=office, application=second, expert=busy)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.assign(draft_round, actor=office, application=third, expert=busy)
    assert exc.value.message == "专家郑庚在本轮已有 2 项评审任务，达到每轮上限 2 项。"
    services.unassign(a2, actor=office, reason="调整")
    services.assign(draft_round, actor=office, application=third, expert=busy)


def test_an_application_of_another_call_is_refused(draft_round, office, fund_year, expert_a):
    other = make_application(make_call(fund_year, office, code="B"))
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.assign(draft_round, actor=office, application=other, expert=expert_a)
    assert exc.value.message == "申报项目 B-0001 不属于本轮评审的申报指南“重点研发计划（海洋装备）”。"


def test_an_application_not_past_the_formal_check_is_refused(draft_round, office, call, expert_a):
    app = make_application(call, until="recommended")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.assign(draft_round, actor=office, application=app, expert=expert_a)
    assert exc.value.message == (
        "申报项目 A-0001 当前状态为“部门已推荐，待报送”，不能分配评审专家（须为形式审查通过或评审中）。"
    )


@pytest.mark.parametrize("who", ["leader", "auditor"])
def test_readers_may_not_assign(who, draft_round, app1, expert_a, request):
    actor = request.getfixturevalue(who)
    with nothing_saved(), pytest.raises(NotAllowed):
        services.assign(draft_round, actor=actor, application=app1, expert=expert_a)


def test_an_expert_may_not_assign(draft_round, app1, expert_a):
    with nothing_saved(), pytest.raises(NotVisible):  # the round is not theirs to see
        services.assign(draft_round, actor=expert_a.user, application=app1, expert=expert_a)


def test_no_assigning_in_a_closed_round(open_round, office, app1, app2, app3, expert_a, expert_b, expert_c):
    score(assignment_of(open_round, app1, expert_a), scores(80, 80, 8))
    score(assignment_of(open_round, app2, expert_a), scores(80, 80, 8))
    services.close_round(open_round, actor=office)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.assign(open_round, actor=office, application=app3, expert=expert_c)
    assert exc.value.message == "“通讯评审”已结束，不能再分配评审专家。"


# ---------------------------------------------------------------- unassign


def test_unassign_before_scoring(open_round, office, app2, expert_a):
    a = assignment_of(open_round, app2, expert_a)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.unassign(a, actor=office, reason=" ")
    assert exc.value.message == "撤销评审任务须说明理由。" and exc.value.errors == {
        "reason": ["撤销评审任务须说明理由。"]
    }
    services.unassign(a, actor=office, reason="专家出差")
    assert not Assignment.objects.filter(pk=a.pk).exists()
    ev = AuditEvent.objects.get(action="review.assignment.removed")
    assert ev.target_id == str(a.pk) and ev.reason == "专家出差" and ev.before["expert_name"] == "王甲"
    # its only expert gone, the application leaves the open round and is back where it was
    assert Application.objects.get(pk=app2.pk).state == "formal_passed"
    assert AuditEvent.objects.filter(action="review.application.left", target_id=str(app2.pk)).exists()


def test_a_scored_assignment_cannot_be_withdrawn(open_round, office, app1, expert_a):
    a = assignment_of(open_round, app1, expert_a)
    score(a, scores(80, 80, 8))
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.unassign(a, actor=office, reason="调整")
    assert exc.value.message == "专家王甲对申报项目 A-0001 的评审任务当前为“已评分”，只能撤销尚未评分的任务。"


# ---------------------------------------------------------------- score


def test_submit_score_computes_the_weighted_total(open_round, app1, expert_a):
    a = assignment_of(open_round, app1, expert_a)
    # 87.5/100×50 + 72.25/100×30 + 7.5/10×20 = 43.75 + 21.675 + 15 = 80.425 → 80.43 (half up)
    services.submit_score(
        a,
        actor=expert_a.user,
        scores={"innovation": "87.5", "feasibility": Decimal("72.25"), "team": 7.5},
        comment=" 创新性突出，团队扎实。 ",
        recommendation="support",
    )
    a.refresh_from_db()
    assert a.state == "submitted" and a.total == Decimal("80.43") and a.submitted_at is not None
    assert a.comment == "创新性突出，团队扎实。" and a.recommendation == "support"
    assert {s.criterion.code: s.value for s in a.scores.select_related("criterion")} == {
        "innovation": Decimal("87.50"),
        "feasibility": Decimal("72.25"),
        "team": Decimal("7.50"),
    }
    ev = AuditEvent.objects.get(action="review.score.submitted")
    assert ev.role == "expert" and ev.after["total"] == "80.43"
    assert ev.after["scores"] == {"innovation": "87.50", "feasibility": "72.25", "team": "7.50"}


def test_full_marks_give_100(open_round, app1, expert_a):
    a = score(assignment_of(open_round, app1, expert_a), scores(100, 100, 10))
    assert a.total == Decimal("100.00")


def test_a_score_above_the_full_mark_is_refused(open_round, app1, expert_a):
    a = assignment_of(open_round, app1, expert_a)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        score(a, scores(80, 80, 11))
    assert exc.value.message == "“团队与基础”的得分应在 0 到 10.00 之间，收到 11。"
    assert exc.value.errors == {"scores.team": ["“团队与基础”的得分应在 0 到 10.00 之间，收到 11。"]}


def test_a_missing_criterion_and_a_missing_comment_are_refused(open_round, app1, expert_a):
    a = assignment_of(open_round, app1, expert_a)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.submit_score(
            a,
            actor=expert_a.user,
            scores={"innovation": 80, "feasibility": "", "budget": 5},
            comment="",
            recommendation="maybe",
        )
    assert exc.value.message == "评分有误，请按提示修改。"
    assert exc.value.errors == {
        "scores": ["不是本轮评审要素：budget。"],
        "scores.feasibility": ["请为“可行性”评分。"],
        "scores.team": ["请为“团队与基础”评分。"],
        "comment": ["请填写评审意见。"],
        "recommendation": ["请选择评审建议。"],
    }


def test_negative_and_fractional_scores_are_refused(open_round, app1, expert_a):
    a = assignment_of(open_round, app1, expert_a)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        score(a, scores(-1, "80.123", "八"))
    assert exc.value.errors == {
        "scores.innovation": ["“创新性”的得分应在 0 到 100.00 之间，收到 -1。"],
        "scores.feasibility": ["可行性最多保留两位小数。"],
        "scores.team": ["团队与基础“八”不是有效的数字。"],
    }


def test_scoring_twice_is_refused(open_round, app1, expert_a):
    a = assignment_of(open_round, app1, expert_a)
    score(a, scores(80, 80, 8))
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        score(a, scores(90, 90, 9))
    assert exc.value.message == "您已提交该项目的评分，提交后不能修改。" and exc.value.code == "score_final"
    assert Assignment.objects.get(pk=a.pk).total == Decimal("80.00")


def test_another_expert_cannot_score_it(open_round, office, app1, expert_a, expert_b, expert_c):
    a = assignment_of(open_round, app1, expert_a)
    values = dict(scores=scores(80, 80, 8), comment="好", recommendation="support")
    with nothing_saved():
        with pytest.raises(NotVisible):  # B has an assignment on the same application, but not this one
            services.submit_score(a, actor=expert_b.user, **values)
        with pytest.raises(NotVisible):
            services.submit_score(a, actor=expert_c.user, **values)
        with pytest.raises(NotAllowed):  # the office sees it, but does not score
            services.submit_score(a, actor=office, **values)


def test_no_scoring_before_the_round_opens(draft_round, office, app1, expert_a):
    a = services.assign(draft_round, actor=office, application=app1, expert=expert_a)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        score(a, scores(80, 80, 8))
    assert exc.value.message == "本轮评审尚未开始，请在开始后再评分。"


def test_no_scoring_after_the_round_closes(open_round, office, app1, app2, expert_a, expert_b):
    score(assignment_of(open_round, app1, expert_a), scores(80, 80, 8))
    score(assignment_of(open_round, app2, expert_a), scores(80, 80, 8))
    services.close_round(open_round, actor=office)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        score(assignment_of(open_round, app1, expert_b), scores(80, 80, 8))
    assert exc.value.message == "本轮评审已结束。"


# ---------------------------------------------------------------- decline


def test_decline_with_a_reason(open_round, app1, expert_a):
    a = assignment_of(open_round, app1, expert_a)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.decline(a, actor=expert_a.user, reason="")
    assert exc.value.message == "回避或拒绝评审须说明理由。"
    services.decline(a, actor=expert_a.user, reason="三年内与申报单位有合作（回避）")
    a.refresh_from_db()
    assert a.state == "declined" and a.decline_reason == "三年内与申报单位有合作（回避）"
    ev = AuditEvent.objects.get(action="review.assignment.declined")
    assert ev.role == "expert" and ev.reason == "三年内与申报单位有合作（回避）"
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        score(a, scores(80, 80, 8))
    assert exc.value.message == "您已回避/拒绝该评审任务。"
    assert not Score.objects.exists()


def test_decline_after_scoring_is_refused(open_round, app1, expert_a, expert_b):
    a = score(assignment_of(open_round, app1, expert_a), scores(80, 80, 8))
    with nothing_saved():
        with pytest.raises(ServiceError) as exc:
            services.decline(a, actor=expert_a.user, reason="回避")
        assert exc.value.message == "您已提交该项目的评分，不能再回避或拒绝。"
        with pytest.raises(NotVisible):
            services.decline(a, actor=expert_b.user, reason="回避")


def test_round_criteria_are_those_scored(call, office, app1, expert_a):
    r = services.create_round(
        call,
        actor=office,
        name="复评",
        method="remote",
        criteria=[{"code": "all", "name": "综合", "weight": 100}],
    )
    services.assign(r, actor=office, application=app1, expert=expert_a)
    services.open_round(r, actor=office)
    a = assignment_of(r, app1, expert_a)
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        score(a, scores(80, 80, 8))
    assert exc.value.errors == {
        "scores": ["不是本轮评审要素：feasibility、innovation、team。"],
        "scores.all": ["请为“综合”评分。"],
    }
    assert score(a, {"all": "66.66"}).total == Decimal("66.66")


# ---------------------------------------------------------------- conflicts found by the pool's rules


def test_a_conflict_of_interest_is_refused_with_its_reasons(draft_round, office, app1, expert_a, applicant_x):
    services.add_exclusion(
        app1, actor=applicant_x, name="王甲", organisation_name="山东大学", reason="曾有学术争议"
    )
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.assign(draft_round, actor=office, application=app1, expert=expert_a)
    msg = "回避：申报单位申请专家王甲（山东大学）回避：曾有学术争议。"
    assert exc.value.message == msg and exc.value.code == "conflict_of_interest"
    assert exc.value.errors == {"expert": [msg]}


# ---------------------------------------------------------------- accept


def test_the_expert_accepts_then_scores(open_round, app1, expert_a):
    a = assignment_of(open_round, app1, expert_a)
    services.accept(a, actor=expert_a.user)
    a.refresh_from_db()
    assert a.state == "accepted" and a.accepted_at is not None
    ev = AuditEvent.objects.get(action="review.assignment.accepted")
    assert ev.role == "expert" and ev.before == {"state": "assigned"} and ev.after == {"state": "accepted"}
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.accept(a, actor=expert_a.user)
    assert exc.value.message == "您已接受该评审任务。"
    score(a, scores(80, 80, 8))
    a.refresh_from_db()
    assert a.state == "submitted"
    assert AuditEvent.objects.get(action="review.score.submitted").before == {"state": "accepted"}
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.accept(a, actor=expert_a.user)
    assert exc.value.message == "您已提交该项目的评分。"


def test_only_the_assigned_expert_accepts(open_round, office, app1, expert_a, expert_b):
    a = assignment_of(open_round, app1, expert_a)
    with nothing_saved():
        with pytest.raises(NotVisible):
            services.accept(a, actor=expert_b.user)
        with pytest.raises(NotAllowed):
            services.accept(a, actor=office)


def test_a_declined_task_is_not_accepted(open_round, app1, expert_a):
    a = assignment_of(open_round, app1, expert_a)
    services.decline(a, actor=expert_a.user, reason="回避")
    with nothing_saved(), pytest.raises(ServiceError) as exc:
        services.accept(a, actor=expert_a.user)
    assert exc.value.message == "您已回避/拒绝该评审任务。"


def test_an_accepted_task_may_still_be_withdrawn_by_the_office(open_round, office, app2, expert_a):
    a = assignment_of(open_round, app2, expert_a)
    services.accept(a, actor=expert_a.user)
    services.unassign(a, actor=office, reason="专家出差")
    assert not Assignment.objects.filter(pk=a.pk).exists()


def test_a_manual_round_declines_without_replacement(open_round, app1, expert_a):
    a = assignment_of(open_round, app1, expert_a)
    services.decline(a, actor=expert_a.user, reason="回避")
    assert not Assignment.objects.filter(replaces=a).exists()
    assert Assignment.objects.filter(round=open_round).count() == 3
