"""When an expert declines in a round whose experts came from a plan, another expert takes the task
over in the same transaction, within the same rules; when nobody may, the decline still stands and
the office's home page shows the gap. Rounds assigned by hand get no automatic replacement."""

import pytest

from techfund.core.errors import NotAllowed, NotVisible, ServiceError
from techfund.core.models import AuditEvent
from techfund.review import services
from techfund.review.models import Assignment, ReviewRound
from techfund.review.services import conflicts, plans
from techfund.review.services.plans import declines_to_fill, org_key
from tests.review.conftest import make_expert


@pytest.fixture
def released(world, make_plan, office):
    """An optimal plan released into the open round."""
    plan = make_plan("optimal")
    plans.release_plan(plan, actor=office)
    services.open_round(world.round, actor=office)
    return plan


def a_task(world, app_index=0, name=None):
    qs = Assignment.objects.filter(round=world.round, application=world.apps[app_index]).select_related(
        "expert__user", "application"
    )
    if name:
        qs = qs.filter(expert__name=name)
    return qs.order_by("expert__name").first()


def org_of(expert) -> str:
    return org_key(expert.organisation.name if expert.organisation else expert.organisation_name)


def test_a_decline_is_replaced_at_once_within_the_rules(world, released, office):
    task = a_task(world, 2)  # the desalination application
    before = set(
        Assignment.objects.filter(round=world.round, application=task.application).values_list(
            "expert_id", flat=True
        )
    )
    services.decline(task, actor=task.expert.user, reason="近三年与申报单位有合作")
    task.refresh_from_db()
    assert task.state == "declined"
    new = Assignment.objects.select_related("expert__organisation").get(replaces=task)
    assert (
        new.state == "assigned"
        and new.application_id == task.application_id
        and new.round_id == world.round.pk
    )
    assert new.expert_id not in before and new.assigned_by == office and new.affinity is not None
    # not conflicted, not overloaded, not of the organisation of the application's other reviewers
    assert not conflicts.pair_conflicts(new.expert, task.application, world.round)
    held = Assignment.objects.filter(
        round=world.round, expert=new.expert, state__in=("assigned", "accepted", "submitted")
    )
    assert held.count() <= new.expert.max_load
    others = Assignment.objects.filter(
        round=world.round, application=task.application, state="assigned"
    ).exclude(pk=new.pk)
    assert org_of(new.expert) not in {org_of(a.expert) for a in others}
    ev = AuditEvent.objects.get(action="review.assignment.replaced")
    assert ev.target_id == str(new.pk) and ev.role == "expert" and ev.data["replaces"] == task.pk
    assert ev.data["mode"] == "optimal" and ev.after["expert_name"] == new.expert.name
    # the declined expert is never drawn again for it: a second decline picks yet another expert
    services.decline(new, actor=new.expert.user, reason="出差")
    third = Assignment.objects.filter(replaces=new).first()
    if third is not None:
        assert third.expert_id not in before | {new.expert_id}


def test_the_optimal_replacement_is_the_closest_expert_left(world, released):
    """Of those allowed, the highest affinity (ties: the lowest expert id)."""
    task = a_task(world, 2)
    picked = plans.replacement_for(ReviewRound.objects.get(pk=world.round.pk), task)
    assert picked is not None
    expert, affinity, how = picked
    assert how["mode"] == "optimal" and how["candidates"] >= 1
    services.decline(task, actor=task.expert.user, reason="回避")
    new = Assignment.objects.get(replaces=task)
    assert new.expert_id == expert.pk and new.affinity == pytest.approx(affinity)


def test_a_random_round_replaces_reproducibly(world, make_plan, office):
    plan = make_plan("random", seed=99)
    plans.release_plan(plan, actor=office)
    task = a_task(world, 3)
    first = plans.replacement_for(ReviewRound.objects.get(pk=world.round.pk), task)
    again = plans.replacement_for(ReviewRound.objects.get(pk=world.round.pk), task)
    assert first is not None and first[0] == again[0] and first[2]["seed"] == 99
    services.decline(task, actor=task.expert.user, reason="身体原因")
    assert Assignment.objects.get(replaces=task).expert_id == first[0].pk


def test_nobody_left_the_decline_stands_and_the_office_is_told(world, released, office, client):
    for name in ("王甲", "李丁", "赵乙", "孙丙", "周戊", "吴己", "郑庚"):
        ex = world.experts[name]
        if not Assignment.objects.filter(round=world.round, application=world.apps[0], expert=ex).exists():
            services.set_status(ex, actor=office, status="suspended", reason="本轮暂停")
    task = a_task(world, 0)
    services.decline(task, actor=task.expert.user, reason="回避")
    task.refresh_from_db()
    assert task.state == "declined" and not Assignment.objects.filter(replaces=task).exists()
    assert not AuditEvent.objects.filter(action="review.assignment.replaced").exists()
    items = list(declines_to_fill(office))
    assert [i.title for i in items] == [f"A-0001 {world.apps[0].title}"]
    assert (
        items[0].kind == "专家回避/拒绝，待补选专家"
        and items[0].detail == "通讯评审：现有 2 名专家，应有 3 名"
    )
    assert items[0].url == f"/review/rounds/{world.round.pk}/assign/#app-{world.apps[0].pk}"
    client.force_login(office)
    assert "专家回避/拒绝，待补选专家" in client.get("/").content.decode()
    # nobody but the readers is told
    assert list(declines_to_fill(task.expert.user)) == []
    # the office adds an expert and tries again
    newcomer = make_expert(office, name="钱辛", organisation_name="大连海事大学", subjects=["F01"])
    new = services.replace(task, actor=office)
    assert new.expert == newcomer and new.replaces_id == task.pk
    assert list(declines_to_fill(office)) == []
    with pytest.raises(ServiceError) as exc:
        services.replace(task, actor=office)
    assert exc.value.message == "该评审任务已补选过专家。"


def test_replace_refusals(world, released, office, leader, expert):
    task = a_task(world, 1)
    with pytest.raises(ServiceError) as exc:
        services.replace(task, actor=office)
    assert exc.value.message == "只能为已回避/拒绝的评审任务补选专家（当前为“已分配”）。"
    with pytest.raises(NotAllowed):
        services.replace(task, actor=leader)
    with pytest.raises(NotVisible):
        services.replace(task, actor=expert)


def test_a_manual_round_gets_no_automatic_replacement(world, office):
    a1 = world.apps[1]
    zhao = world.experts["赵乙"]
    task = services.assign(world.round, actor=office, application=a1, expert=zhao)
    services.open_round(world.round, actor=office)
    services.decline(task, actor=zhao.user, reason="回避")
    assert Assignment.objects.filter(round=world.round).count() == 1
    with pytest.raises(ServiceError) as exc:
        services.replace(task, actor=office)
    assert exc.value.message == "本轮由人工指定专家，不自动补选；请在分配页面为申报项目 A-0002 指定专家。"
    assert [i.title for i in declines_to_fill(office)] == [f"A-0002 {a1.title}"]


def test_accept_then_decline_is_replaced_too(world, released):
    task = a_task(world, 3)
    services.accept(task, actor=task.expert.user)
    services.decline(task, actor=task.expert.user, reason="时间冲突")
    task.refresh_from_db()
    assert task.state == "declined" and Assignment.objects.filter(replaces=task).exists()
    ev = AuditEvent.objects.filter(action="review.assignment.declined").latest("seq")
    assert ev.before == {"state": "accepted"}
