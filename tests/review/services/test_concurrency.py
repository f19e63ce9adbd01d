"""Simultaneous requests: every review service locks the round first, so the load limit, the
one-score rule and closing against late scores hold on both databases — and so do the later
services' double clicks: a plan released twice (or released and discarded) at once, an assignment
accepted or declined twice at once (one replacement only), a meeting recorded twice (or recorded and
cancelled) at once, and the removals that a double click sends twice. One request wins; the other
gets a clear refusal (a ``ServiceError``, never a crash), and nothing is written twice."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from techfund.core.errors import ServiceError
from techfund.core.models import AuditEvent
from techfund.core.services import audit
from techfund.review import services
from techfund.review.models import (
    Assignment,
    AssignmentPlan,
    Attendance,
    AvailabilityWindow,
    Exclusion,
    ExpertRelation,
    Meeting,
    RoundResult,
    Vote,
)
from techfund.review.scopes import HOLDING
from techfund.review.services import meetings, plans
from tests.review.conftest import assignment_of, make_application, make_expert, scores
from tests.review.meetings.conftest import *  # noqa: F403 - the meeting fixtures
from tests.review.meetings.conftest import _media, all_present, votes_of  # noqa: F401 - _media: autouse
from tests.review.plans.conftest import *  # noqa: F403 - the plan fixtures
from tests.review.plans.conftest import _eager_jobs  # noqa: F401 - autouse: plans computed at once


def refusals(*calls) -> list[ServiceError]:
    """Run ``calls`` at once (each in its own thread and connection); the refusals they raised. Any
    other exception fails the test (pytest reports an exception in a thread as an error)."""
    errors, barrier = [], threading.Barrier(len(calls))

    def worker(call):
        try:
            barrier.wait(timeout=30)
            call()
        except ServiceError as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a request never finished (a deadlock?)"
    return errors


def run_together(*calls) -> list[str]:
    """The codes of the refusals of ``calls`` run at once."""
    return [exc.code for exc in refusals(*calls)]


def test_the_load_limit_holds_under_simultaneous_assignments(committing_db, draft_round, office, call):
    busy = make_expert(office, name="郑庚", max_load=1)
    apps = [make_application(call) for _ in range(3)]
    errors = run_together(
        *[lambda a=a: services.assign(draft_round, actor=office, application=a, expert=busy) for a in apps]
    )
    assert errors == ["expert_load_full", "expert_load_full"]
    assert Assignment.objects.filter(expert=busy).count() == 1
    assert audit.verify().ok


def test_one_score_however_often_submitted(committing_db, open_round, app1, expert_a):
    a = assignment_of(open_round, app1, expert_a)
    values = [scores(90, 80, 9), scores(50, 50, 5), scores(70, 70, 7)]
    errors = run_together(
        *[
            lambda v=v: services.submit_score(
                a, actor=expert_a.user, scores=v, comment="意见", recommendation="support"
            )
            for v in values
        ]
    )
    assert sorted(errors) == ["score_final", "score_final"]
    a.refresh_from_db()
    assert a.state == "submitted" and a.scores.count() == 3


def test_a_score_racing_the_close_is_counted_or_refused(
    committing_db, open_round, office, app1, app2, expert_a, expert_b
):
    services.submit_score(
        assignment_of(open_round, app1, expert_a),
        actor=expert_a.user,
        scores=scores(90, 80, 9),
        comment="好",
        recommendation="support",
    )
    services.submit_score(
        assignment_of(open_round, app2, expert_a),
        actor=expert_a.user,
        scores=scores(50, 50, 5),
        comment="好",
        recommendation="support",
    )
    late = assignment_of(open_round, app1, expert_b)
    errors = run_together(
        lambda: services.close_round(open_round, actor=office),
        lambda: services.submit_score(
            late, actor=expert_b.user, scores=scores(70, 60, 6), comment="迟", recommendation="support"
        ),
    )
    result = RoundResult.objects.get(round=open_round, application=app1)
    late.refresh_from_db()
    if errors:  # the close went first: the late score was refused and is not in the result
        assert errors == ["round_closed"] and late.state == "assigned" and result.reviews == 1
        assert result.score == Decimal("87.00")
    else:  # the score went first: the result counts it
        assert late.state == "submitted" and result.reviews == 2 and result.score == Decimal("76.00")
    assert audit.verify().ok


# ---------------------------------------------------------------- plans: released twice at once


def test_a_plan_released_twice_at_once_makes_its_assignments_once(committing_db, world, make_plan, office):
    plan = make_plan("optimal")
    pairs = plan.pairs.count()
    assert pairs > 0
    errors = refusals(*[lambda: plans.release_plan(plan, actor=office) for _ in range(2)])
    assert [e.code for e in errors] == ["transition_not_allowed"]
    assert "已发布" in str(errors[0].message)
    plan.refresh_from_db()
    assert plan.state == "released"
    assert Assignment.objects.filter(round=world.round).count() == pairs
    assert AuditEvent.objects.filter(action="review.plan.released").count() == 1
    assert audit.verify().ok


def test_two_plans_of_a_round_released_at_once_one_wins(committing_db, world, make_plan, office):
    first, second = make_plan("optimal"), make_plan("random", seed=7)
    errors = run_together(
        lambda: plans.release_plan(first, actor=office), lambda: plans.release_plan(second, actor=office)
    )
    # the loser finds the other plan released — or finds itself discarded by that release
    assert len(errors) == 1 and errors[0] in ("plan_already_released", "transition_not_allowed")
    released = AssignmentPlan.objects.get(round=world.round, state="released")
    assert Assignment.objects.filter(round=world.round).count() == released.pairs.count()
    assert not Assignment.objects.filter(round=world.round).exclude(plan=released).exists()
    assert audit.verify().ok


def test_a_plan_released_and_discarded_at_once(committing_db, world, make_plan, office):
    plan = make_plan("optimal")
    pairs = plan.pairs.count()
    errors = run_together(
        lambda: plans.release_plan(plan, actor=office),
        lambda: plans.discard_plan(plan, actor=office, reason="重新抽取"),
    )
    assert errors == ["transition_not_allowed"]
    plan.refresh_from_db()
    made = Assignment.objects.filter(round=world.round).count()
    assert (plan.state, made) in (("released", pairs), ("discarded", 0))
    assert audit.verify().ok


# ---------------------------------------------------------------- accepting and declining at once


@pytest.fixture
def released(world, make_plan, office):
    """An optimal plan released into the open round (declines are replaced automatically)."""
    plan = make_plan("optimal")
    plans.release_plan(plan, actor=office)
    services.open_round(world.round, actor=office)
    return plan


def a_task(world, app_index=0) -> Assignment:
    return (
        Assignment.objects.filter(round=world.round, application=world.apps[app_index])
        .select_related("expert__user")
        .order_by("id")
        .first()
    )


def holders(world, app_index=0) -> list[int]:
    return list(
        Assignment.objects.filter(
            round=world.round, application=world.apps[app_index], state__in=HOLDING
        ).values_list("expert_id", flat=True)
    )


def test_a_task_declined_twice_at_once_is_replaced_once(committing_db, world, released):
    task = a_task(world)
    before = len(holders(world))
    errors = refusals(
        *[lambda: services.decline(task, actor=task.expert.user, reason="时间冲突") for _ in range(2)]
    )
    assert [e.code for e in errors] == ["transition_not_allowed"]
    task.refresh_from_db()
    assert task.state == "declined"
    assert Assignment.objects.filter(replaces=task).count() == 1
    now = holders(world)
    assert len(now) == before and len(set(now)) == len(now) and task.expert_id not in now
    assert AuditEvent.objects.filter(action="review.assignment.replaced").count() == 1
    assert audit.verify().ok


def test_a_task_accepted_twice_at_once_is_accepted_once(committing_db, world, released):
    task = a_task(world)
    errors = refusals(*[lambda: services.accept(task, actor=task.expert.user) for _ in range(2)])
    assert [(e.code, e.message) for e in errors] == [("already_accepted", "您已接受该评审任务。")]
    task.refresh_from_db()
    assert task.state == "accepted"
    assert AuditEvent.objects.filter(action="review.assignment.accepted").count() == 1


def test_a_task_accepted_and_declined_at_once(committing_db, world, released):
    task = a_task(world)
    errors = run_together(
        lambda: services.accept(task, actor=task.expert.user),
        lambda: services.decline(task, actor=task.expert.user, reason="回避"),
    )
    # accept first: the decline still goes through (an accepted task may be declined); decline
    # first: the accept is refused. Either way one decline and one replacement.
    assert errors in ([], ["assignment_declined"])
    task.refresh_from_db()
    assert task.state == "declined" and Assignment.objects.filter(replaces=task).count() == 1


def test_two_experts_of_one_application_decline_at_once(committing_db, world, released):
    first, second = (
        Assignment.objects.filter(round=world.round, application=world.apps[1])
        .select_related("expert__user")
        .order_by("id")[:2]
    )
    before = len(holders(world, 1))
    assert (
        run_together(
            lambda: services.decline(first, actor=first.expert.user, reason="出差"),
            lambda: services.decline(second, actor=second.expert.user, reason="回避"),
        )
        == []
    )
    now = holders(world, 1)
    # each replaced by a different expert (or left open when nobody is left), never twice the same
    assert len(set(now)) == len(now) <= before and not {first.expert_id, second.expert_id} & set(now)
    for a in Assignment.objects.filter(round=world.round, state__in=HOLDING).select_related("expert"):
        load = Assignment.objects.filter(round=world.round, expert=a.expert, state__in=HOLDING).count()
        assert load <= a.expert.max_load
    assert audit.verify().ok


def test_a_task_withdrawn_while_its_expert_accepts(committing_db, draft_round, office, app1, expert_a):
    task = services.assign(draft_round, actor=office, application=app1, expert=expert_a)
    errors = refusals(
        lambda: services.unassign(task, actor=office, reason="分配有误"),
        lambda: services.accept(task, actor=expert_a.user),
    )
    # withdrawal first: the expert is told, nothing crashes; acceptance first: an accepted task not
    # yet scored may still be withdrawn. Either way the task is gone, once.
    assert [(e.code, e.message) for e in errors] in ([], [("assignment_removed", "该评审任务已被撤销。")])
    assert not Assignment.objects.filter(pk=task.pk).exists()
    assert AuditEvent.objects.filter(action="review.assignment.removed").count() == 1
    assert audit.verify().ok


# ---------------------------------------------------------------- meetings: recorded twice at once


def _record(meeting_, panel_, app, minutes):
    return lambda: meetings.record_meeting(
        meeting_,
        actor=meeting_.created_by,
        attendance=all_present(panel_),
        minutes=minutes,
        votes=votes_of(panel_, app, ["support", "support", "support", "not_support", "support_revised"]),
    )


def test_a_meeting_recorded_twice_at_once_is_recorded_once(
    committing_db, open_meeting_round, meeting, panel, app1
):
    errors = refusals(_record(meeting, panel, app1, "纪要甲"), _record(meeting, panel, app1, "纪要乙"))
    assert [e.code for e in errors] == ["meeting_final"]
    assert "不能修改" in str(errors[0].message)
    meeting.refresh_from_db()
    assert meeting.state == "held" and meeting.minutes in ("纪要甲", "纪要乙")
    assert Vote.objects.filter(item__meeting=meeting).count() == 5
    assert Attendance.objects.filter(meeting=meeting).count() == 5
    assert AuditEvent.objects.filter(action="review.meeting.recorded").count() == 1
    assert audit.verify().ok


def test_a_meeting_recorded_and_cancelled_at_once(
    committing_db, open_meeting_round, meeting, panel, office, app1
):
    errors = refusals(
        _record(meeting, panel, app1, "纪要"),
        lambda: meetings.cancel_meeting(meeting, actor=office, reason="改期"),
    )
    assert len(errors) == 1
    if Meeting.objects.filter(pk=meeting.pk).exists():  # recorded first: it cannot be cancelled
        assert errors[0].code == "meeting_final" and Vote.objects.count() == 5
    else:  # cancelled first: the record is refused with a message, nothing half-written
        assert (errors[0].code, errors[0].message) == ("meeting_cancelled", "该论证会议已取消。")
        assert not Vote.objects.exists() and not Attendance.objects.exists()
    assert audit.verify().ok


def test_a_meeting_cancelled_twice_at_once(committing_db, open_meeting_round, meeting, office):
    errors = refusals(
        *[lambda: meetings.cancel_meeting(meeting, actor=office, reason="改期") for _ in range(2)]
    )
    assert [(e.code, e.message) for e in errors] == [("meeting_cancelled", "该论证会议已取消。")]
    assert not Meeting.objects.filter(pk=meeting.pk).exists()
    assert AuditEvent.objects.filter(action="review.meeting.cancelled").count() == 1


# ---------------------------------------------------------------- removals clicked twice


def test_removals_clicked_twice_remove_once(committing_db, office, call, applicant_x, org_x, expert_a):
    window = services.add_availability(
        expert_a, actor=expert_a.user, starts_on="2030-01-01", ends_on="2030-02-01"
    )
    relation = services.declare_relation(expert_a, actor=expert_a.user, kind="economic", person_name="某甲")
    app = make_application(call, organisation=org_x, until="submitted")
    exclusion = services.add_exclusion(app, actor=applicant_x, name="某乙", reason="竞争关系")
    cases = [
        (
            lambda: services.remove_availability(window, actor=expert_a.user),
            AvailabilityWindow,
            "review.availability.removed",
        ),
        (
            lambda: services.withdraw_relation(relation, actor=expert_a.user),
            ExpertRelation,
            "review.relation.withdrawn",
        ),
        (
            lambda: services.remove_exclusion(exclusion, actor=applicant_x),
            Exclusion,
            "review.exclusion.removed",
        ),
    ]
    for call_, model, action in cases:
        errors = refusals(call_, call_)
        assert [e.code for e in errors] == ["already_removed"], action
        assert not model.objects.exists() and AuditEvent.objects.filter(action=action).count() == 1
    assert audit.verify().ok
